"""How jobs get run: inline, in an in-process thread, or by rq workers on Redis.

All three execute :func:`engine.jobs.run_job` on ids read from the ``job`` table, so
the same handlers run everywhere and nothing is lost when Redis is away: rows stay
``pending`` and the next :func:`engine.jobs.tick` hands them out again.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import select, update

from . import jobs
from .models import Job, utcnow

log = logging.getLogger(__name__)


class InlineDispatcher:
    """Runs due jobs right after the commit that created them, in the same thread."""

    max_rounds = 1000

    def __init__(self, env) -> None:
        self.env = env
        self._local = threading.local()

    def notify(self) -> None:
        if getattr(self._local, "busy", False):
            self._local.again = True  # the outer loop will pick the new jobs up
            return
        self._local.busy = True
        try:
            for _ in range(self.max_rounds):
                self._local.again = False
                ran = [jobs.run_job(self.env, job_id) for job_id in self._due()]
                if not any(ran) and not self._local.again:
                    break
        finally:
            self._local.busy = False

    def _due(self) -> list[int]:
        with self.env.unit_of_work() as uow:
            return list(uow.session.scalars(
                select(Job.id).where(Job.status == "pending", Job.run_at <= utcnow()).order_by(Job.id)
            ))

    def run_scheduler_once(self) -> None:
        for job_id in jobs.tick(self.env):
            jobs.run_job(self.env, job_id)

    def close(self) -> None:
        pass


class ThreadDispatcher(InlineDispatcher):
    """The embedded default: one background thread runs jobs and fires timers."""

    def __init__(self, env) -> None:
        super().__init__(env)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="yiwang-jobs", daemon=True)
            self._thread.start()

    def notify(self) -> None:
        self.start()
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_scheduler_once()
            except Exception:  # noqa: BLE001 - keep the worker alive; the job rows keep the work
                log.exception("background job loop failed; retrying")
            self._wake.wait(self.env.config.poll_interval_s)
            self._wake.clear()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


class RqDispatcher:
    """Production: hands due job ids to rq; ``yiwang worker`` processes run them."""

    def __init__(self, env) -> None:
        self.env = env
        self._queue = None

    def queue(self):
        if self._queue is None:
            from redis import Redis
            from rq import Queue

            connection = Redis.from_url(self.env.config.redis_url, socket_connect_timeout=2, socket_timeout=5)
            self._queue = Queue(self.env.config.queue_name, connection=connection)
        return self._queue

    def notify(self) -> None:
        with self.env.unit_of_work() as uow:
            due = list(uow.session.scalars(
                select(Job.id).where(Job.status == "pending", Job.run_at <= utcnow()).order_by(Job.id).limit(500)
            ))
        self.enqueue(due)

    def enqueue(self, job_ids: list[int]) -> None:
        """Mark jobs enqueued under a lease, then push them; Redis down leaves them pending."""
        if not job_ids:
            return
        lease = utcnow() + timedelta(seconds=self.env.config.job_lease_s)
        for job_id in job_ids:
            if not self._mark(job_id, "pending", "enqueued", lease):
                continue
            try:
                self.queue().enqueue("engine.dispatch.rq_run_job", job_id,
                                     job_id=f"yiwang-job-{job_id}-{int(lease.timestamp() * 1000)}")
            except Exception as err:  # noqa: BLE001 - Redis unavailable: the next tick retries
                log.warning("could not hand jobs to Redis, they stay queued in the database: %s", err)
                self._mark(job_id, "enqueued", "pending", None)
                self._queue = None
                return

    def _mark(self, job_id: int, old: str, new: str, lease) -> bool:
        with self.env.unit_of_work() as uow:
            marked = uow.session.execute(
                update(Job).where(Job.id == job_id, Job.status == old).values(status=new, lease_until=lease)
            ).rowcount
            uow.commit()
        return bool(marked)

    def run_scheduler_once(self) -> None:
        self.enqueue(jobs.tick(self.env))

    def close(self) -> None:
        self._queue = None


def make(env):
    mode = env.config.jobs
    if mode == "inline":
        return InlineDispatcher(env)
    if mode == "thread":
        return ThreadDispatcher(env)
    if mode == "rq":
        return RqDispatcher(env)
    raise ValueError(f"YIWANG_JOBS must be inline, thread or rq, not {mode!r}")


_worker_env = None


def use_worker_env(env) -> None:
    """Give rq jobs in this process the engine the worker was started with."""
    global _worker_env
    _worker_env = env


def rq_run_job(job_id: int) -> None:
    """rq entry point: runs on the worker's engine (a bare one from the environment if none)."""
    global _worker_env
    if _worker_env is None:
        from .config import EngineConfig
        from .environment import EngineEnv

        _worker_env = EngineEnv(EngineConfig.from_env())
    jobs.run_job(_worker_env, job_id)
