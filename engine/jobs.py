"""Background work: a durable ``job`` table, handlers that take ids, incidents on failure.

A job row is written in the transaction of the step that needs it. Running a job
claims it under a lease (one transaction), then does its effect and marks it done in
a second one, so a worker killed half-way leaves the effect undone and the lease
expires; :func:`tick` puts it back. Handlers can run twice without harm: each checks
that its task is still waiting before acting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from SpiffWorkflow.util.task import TaskState

from .errors import EngineError
from .expressions import engine_error_behind
from .models import Incident, Job, ProcessInstance, TimerIndex, utcnow

log = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[..., None]] = {}


def handler(kind: str):
    def register(func):
        HANDLERS[kind] = func
        return func

    return register


def schedule(uow, kind: str, args: dict[str, Any], *, dedup_key: str | None = None,
             run_at: datetime | None = None) -> None:
    """Add a job to the step's transaction; it is dispatched once the step commits."""
    if dedup_key is not None:
        exists = uow.session.scalar(select(Job.id).where(Job.dedup_key == dedup_key))
        if exists is not None:
            return
    uow.session.add(Job(kind=kind, args=args, dedup_key=dedup_key, run_at=run_at or utcnow()))
    uow.after_commit(uow.env.dispatcher.notify)


def make_dispatcher(env):
    from .dispatch import make  # dispatch imports this module

    return make(env)


# -- running one job --------------------------------------------------------
def run_job(env, job_id: int) -> bool:
    """Run a job if it is still due and unclaimed; returns True when it ran."""
    job = _claim(env, job_id)
    if job is None:
        return False
    try:
        with env.unit_of_work() as uow:
            HANDLERS[job.kind](uow, **job.args)
            # A done job frees its key (the same work may be needed again), except a
            # periodic one, whose key stands for its interval.
            keep_key = (job.dedup_key or "").startswith("periodic:")
            uow.session.execute(
                update(Job).where(Job.id == job.id).values(
                    status="done", finished_at=utcnow(), dedup_key=job.dedup_key if keep_key else None,
                    last_error=None,
                )
            )
            _resolve_incidents(uow, job)
            uow.commit()
    except Exception as err:  # noqa: BLE001 - any failure becomes an incident, never a lost step
        # The message may quote case data (a connector's error): it goes to the incident, which
        # access rules guard, not to the log.
        log.warning("job %s (%s) failed with %s; see its incident", job.id, job.kind, type(err).__name__)
        _record_failure(env, job, err)
    return True


def _claim(env, job_id: int) -> Job | None:
    now = utcnow()
    with env.unit_of_work() as uow:
        claimed = uow.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status.in_(("pending", "enqueued")), Job.run_at <= now)
            .values(status="running", attempts=Job.attempts + 1,
                    lease_until=now + timedelta(seconds=env.config.job_lease_s))
        ).rowcount
        job = uow.session.get(Job, job_id) if claimed else None
        uow.commit()
    return job


def _record_failure(env, job: Job, err: Exception) -> None:
    config = env.config
    retry = job.attempts < config.job_max_attempts
    next_at = utcnow() + timedelta(seconds=config.job_backoff_s * 2 ** (job.attempts - 1)) if retry else None
    message = err.message if isinstance(err, EngineError) else f"{type(err).__name__}: {err}"
    with env.unit_of_work() as uow:
        uow.session.execute(
            update(Job).where(Job.id == job.id).values(
                status="pending" if retry else "failed",
                run_at=next_at or utcnow(),
                last_error=message,
                lease_until=None,
            )
        )
        _open_incident(uow, job, message, next_at, getattr(err, "context", {}))
        uow.commit()


def _open_incident(uow, job: Job, message: str, next_at, context) -> None:
    instance_id, task_id = job.args.get("instance_id"), job.args.get("task_id")
    if instance_id is None or uow.session.get(ProcessInstance, instance_id) is None:
        return
    incident = uow.session.scalars(
        select(Incident).where(
            Incident.instance_id == instance_id,
            Incident.task_id.is_(task_id) if task_id is None else Incident.task_id == task_id,
            Incident.status == "open",
        )
    ).first()
    if incident is None:
        incident = Incident(instance_id=instance_id, task_id=task_id, kind=job.kind,
                            element_id=context.get("element_id"), attempts=0)
        uow.session.add(incident)
    incident.message = message
    incident.details = {"job_id": job.id, **{k: v for k, v in context.items() if k != "element_id"}}
    incident.attempts = job.attempts
    incident.next_retry_at = next_at


def _resolve_incidents(uow, job: Job) -> None:
    uow.session.execute(
        update(Incident)
        .where(Incident.status == "open", Incident.details["job_id"].as_integer() == job.id)
        .values(status="resolved", resolved_at=utcnow(), next_retry_at=None)
    )


def retry_incident(uow, incident_id: int, *, actor) -> None:
    """An operator asks for another try now; the job's attempts start afresh."""
    from . import history

    with uow:
        incident = uow.session.get(Incident, incident_id)
        if incident is None or incident.status != "open":
            from .errors import NotFound

            raise NotFound("no open incident with this id", incident_id=incident_id)
        job_id = (incident.details or {}).get("job_id")
        uow.session.execute(
            update(Job).where(Job.id == job_id, Job.status.in_(("failed", "pending"))).values(
                status="pending", run_at=utcnow(), attempts=0
            )
        )
        incident.next_retry_at = utcnow()
        history.record(uow, incident.instance_id, "incident.retried", actor.user,
                       task_id=incident.task_id, incident_id=incident_id)
        uow.after_commit(uow.env.dispatcher.notify)
        uow.commit()


# -- handlers ---------------------------------------------------------------
@handler("run_task")
def run_deferred_task(uow, instance_id: str, task_id: str) -> None:
    """Run a service or script task that the engine left for the background."""
    from . import instance_store, runtime

    loaded = instance_store.load(uow, instance_id)
    instance_store.discard_on_failure(uow, instance_id)
    if loaded.row.status != "running":
        return
    task = loaded.workflow.find_task(task_id)
    if task is None or task.state != TaskState.READY:
        return  # already ran: a job delivered twice does nothing the second time
    try:
        task.run()
    except Exception as err:
        raise _task_error(task, err) from err
    runtime.run_engine(loaded)
    delta = instance_store.save(uow, loaded)
    runtime.schedule_deferred(uow, loaded, delta.upserts)


@handler("fire_timers")
def fire_timers(uow, instance_id: str) -> None:
    """Let due timer events of one instance fire, then advance it."""
    from . import instance_store, runtime

    loaded = instance_store.load(uow, instance_id)
    instance_store.discard_on_failure(uow, instance_id)
    if loaded.row.status != "running":
        return
    try:
        loaded.workflow.refresh_timers()
    except Exception as err:
        raise EngineError(f"a timer could not be evaluated: {err}") from err
    runtime.run_engine(loaded)
    delta = instance_store.save(uow, loaded)
    runtime.schedule_deferred(uow, loaded, delta.upserts)


def _task_error(task, err: Exception) -> EngineError:
    cause = engine_error_behind(err) or getattr(err, "exception", None) or err
    message = cause.message if isinstance(cause, EngineError) else f"{type(cause).__name__}: {cause}"
    return EngineError(
        f"{task.task_spec.bpmn_name or task.task_spec.bpmn_id} failed: {message}",
        element_id=task.task_spec.bpmn_id,
    )


# -- the scheduler's tick ---------------------------------------------------
def tick(env, now: datetime | None = None) -> list[int]:
    """Queue due timers, recover jobs whose worker died; returns ids of jobs now due."""
    now = now or utcnow()
    with env.unit_of_work() as uow:
        due_instances = uow.session.scalars(
            select(TimerIndex.instance_id)
            .join(ProcessInstance, ProcessInstance.id == TimerIndex.instance_id)
            .where(TimerIndex.due_at <= now, ProcessInstance.status == "running")
            .distinct()
        ).all()
        for instance_id in due_instances:
            schedule(uow, "fire_timers", {"instance_id": instance_id}, dedup_key=f"fire_timers:{instance_id}")
        for kind, interval in env.periodic_jobs:
            # One job per interval bucket, whichever scheduler (of several) gets here first.
            bucket = int(now.timestamp() // interval)
            schedule(uow, kind, {"bucket": bucket}, dedup_key=f"periodic:{kind}:{bucket}")
        uow.session.execute(
            update(Job)
            .where(Job.status.in_(("running", "enqueued")), Job.lease_until < now)
            .values(status="pending", lease_until=None)
        )
        uow.commit()
    with env.unit_of_work() as uow:
        return list(
            uow.session.scalars(
                select(Job.id).where(Job.status == "pending", Job.run_at <= now).order_by(Job.id).limit(500)
            )
        )
