"""SIGKILL a real rq worker in the middle of a service-task or timer job.

The worker is ``yiwang worker`` with probes (``probed_worker.py`` here): a slow,
call-logging connector and pause points where the test kills it. A fresh worker's
scheduler tick hands the job out again once its lease runs out; the job runs again
and the case moves on exactly once. Needs the Redis named by YIWANG_TEST_REDIS_URL.
``YIWANG_CHAOS_WORKER_KILLS`` (default: one per kill point, 5) raises the number of kills.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from SpiffWorkflow.util.task import TaskState

from engine.instance_store import load
from engine.models import HistoryEvent, Incident, Job, TimerIndex, WorkTask
from support.engine_kit import assert_survives_restart, deploy_files, instance, start
from support.paths import DATA, REPO

REDIS_URL = os.environ.get("YIWANG_TEST_REDIS_URL")
pytestmark = [
    pytest.mark.chaos,
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="YIWANG_TEST_REDIS_URL is not set"),
]
WORKER = Path(__file__).with_name("probed_worker.py")
CONSTRUCTS = DATA / "engine" / "constructs"
# (kind of case, where the worker dies)
POINTS = [
    ("service", "run_task:claimed"),
    ("service", "run_task:connector"),
    ("service", "run_task:uncommitted"),
    ("timer", "fire_timers:claimed"),
    ("timer", "fire_timers:uncommitted"),
]
KILLS = int(os.environ.get("YIWANG_CHAOS_WORKER_KILLS", str(len(POINTS))))
# Short enough that recovery takes seconds, long enough for a job to finish well inside it.
LEASE_S = 2.0
WAIT_S = 60.0


class Worker:
    """A probed ``yiwang worker`` process with its output kept in the probe folder."""

    def __init__(self, probes: Path, db_url: str, queue_name: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")}
        env.update(PYTHONPATH=str(REPO), YIWANG_TEST_PROBE_DIR=str(probes), YIWANG_JOBS="rq",
                   YIWANG_REDIS_URL=REDIS_URL, YIWANG_QUEUE_NAME=queue_name, YIWANG_DATABASE_URL=db_url,
                   YIWANG_JOB_LEASE_S=str(LEASE_S), YIWANG_POLL_INTERVAL_S="0.2", YIWANG_JOB_BACKOFF_S="0.5")
        self.log = probes / f"worker-{uuid.uuid4().hex[:6]}.log"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen([sys.executable, str(WORKER)], env=env, stdout=out,
                                            stderr=subprocess.STDOUT)
        wait_for(lambda: (probes / f"ready-{self.process.pid}").exists() or self.process.poll() is not None,
                 "the worker to start")
        assert self.process.poll() is None, self.log.read_text()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # rq's warm shutdown
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(condition, what: str, timeout: float = WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def calls(probes: Path, instance_id: str) -> list[dict]:
    path = probes / "calls.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [c for c in map(json.loads, lines) if c["instance_id"] == instance_id]


def case_job(env, instance_id: str, kind: str) -> Job:
    with env.unit_of_work() as uow:
        [job] = [j for j in uow.session.scalars(select(Job).where(Job.kind == kind))
                 if j.args.get("instance_id") == instance_id]
        uow.session.expunge(job)
    return job


def open_case(env, kind: str, n: int) -> str:
    if kind == "service":
        return start(env, "service_task", {"applicant": f"申请人{n}"})
    # Due soon after the start has committed: the worker's scheduler tick queues the job.
    due = datetime.now(timezone.utc) + timedelta(seconds=1)
    return start(env, "timer_data_date", {"deadline": due.isoformat()})


def assert_moved_on_once(env, instance_id: str, kind: str) -> None:
    """One completed service task or timer, the next task ready once, nothing else."""
    done_element, next_element = ("issue_licence", "deliver") if kind == "service" else ("wait", "after")
    env.instances.clear()
    with env.unit_of_work() as uow:
        wf = load(uow, instance_id).workflow
        states = sorted((t.task_spec.bpmn_id, t.state) for t in wf.get_tasks()
                        if t.task_spec.bpmn_id in (done_element, next_element))
        indexed = list(uow.session.execute(
            select(WorkTask.element_id, WorkTask.state).where(WorkTask.instance_id == instance_id)))
        actions = list(uow.session.scalars(
            select(HistoryEvent.action).where(HistoryEvent.instance_id == instance_id)))
        incidents = list(uow.session.scalars(select(Incident.id).where(Incident.instance_id == instance_id)))
        timers = list(uow.session.scalars(select(TimerIndex.due_at).where(TimerIndex.instance_id == instance_id)))
    assert states == sorted([(done_element, TaskState.COMPLETED), (next_element, TaskState.READY)])
    assert indexed == [(next_element, "ready")]
    assert actions == ["instance.started"]
    assert incidents == []
    assert timers == []
    assert_survives_restart(env, instance_id)


def test_a_worker_killed_mid_job_has_the_job_run_again_and_its_effect_happen_once(
        make_env, db_engine, tmp_path):
    queue_name = f"yiwang-test-{uuid.uuid4().hex[:8]}"
    env = make_env(jobs="rq", redis_url=REDIS_URL, queue_name=queue_name, job_lease_s=LEASE_S)
    deploy_files(env, CONSTRUCTS / "service_task.bpmn", CONSTRUCTS / "timer_data_date.bpmn")
    probes = tmp_path / "probes"
    probes.mkdir()
    db_url = db_engine.url.render_as_string(hide_password=False)
    worker = Worker(probes, db_url, queue_name)
    recoveries = []
    try:
        for n in range(KILLS):
            kind, point = POINTS[n % len(POINTS)]
            (probes / f"arm-{point}").touch()
            case = open_case(env, kind, n)
            note = probes / f"paused-{worker.process.pid}"
            wait_for(note.exists, f"the worker to reach {point}")
            assert json.loads(note.read_text())["point"] == point
            victim = worker.process.pid
            worker.kill()
            killed_at = time.monotonic()
            worker = Worker(probes, db_url, queue_name)
            job_kind = "run_task" if kind == "service" else "fire_timers"
            wait_for(lambda: case_job(env, case, job_kind).status == "done", f"{job_kind} to run again")
            recoveries.append(time.monotonic() - killed_at)

            job = case_job(env, case, job_kind)
            assert job.attempts == 2  # the killed attempt and the one that finished
            assert_moved_on_once(env, case, kind)
            if kind == "service":
                made = calls(probes, case)
                # At least once: a kill after the connector was called means a second call
                # for the same task, which a remote end can recognise and deduplicate.
                expected = [victim, worker.process.pid] if point != "run_task:claimed" else [worker.process.pid]
                assert [c["pid"] for c in made] == expected
                assert len({c["task_id"] for c in made}) == 1 and made[0]["task_id"] == job.args["task_id"]
                assert instance(env, case)["data"]["licence"] == {"licence_no": f"L-{worker.process.pid}"}
    finally:
        worker.stop()
        env.dispatcher.queue().delete(delete_jobs=True)
    with env.unit_of_work() as uow:  # nothing else failed or was left behind
        left = list(uow.session.execute(select(Job.kind, Job.status).where(Job.status != "done")))
    assert left == []
    print(f"\n{KILLS} worker kills; recovery {min(recoveries):.1f}-{max(recoveries):.1f} s")
