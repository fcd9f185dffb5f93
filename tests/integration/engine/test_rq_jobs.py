"""Background work through real Redis and real `yiwang worker` processes.

Needs the Redis named by YIWANG_TEST_REDIS_URL (CI runs it on 127.0.0.1).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import select, update

from engine import jobs
from engine.models import Job, utcnow
from support.engine_kit import deploy_files, instance, start
from support.paths import DATA, REPO

REDIS_URL = os.environ.get("YIWANG_TEST_REDIS_URL")
pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="YIWANG_TEST_REDIS_URL is not set"),
]
SERVICE = DATA / "engine" / "service_echo.bpmn"


@pytest.fixture
def queue_name():
    return f"yiwang-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def rq_env(make_env, queue_name):
    return make_env(jobs="rq", redis_url=REDIS_URL, queue_name=queue_name)


def worker_environ(db_engine, queue_name) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "YIWANG_JOBS": "rq", "YIWANG_REDIS_URL": REDIS_URL,
            "YIWANG_QUEUE_NAME": queue_name,
            "YIWANG_DATABASE_URL": db_engine.url.render_as_string(hide_password=False)}


def run_worker(db_engine, queue_name) -> None:
    result = subprocess.run([sys.executable, "-m", "api", "worker", "--burst"], env=worker_environ(db_engine, queue_name),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def job_states(env) -> list[str]:
    """States of the service-task jobs (the worker's scheduler also queues periodic sweeps)."""
    with env.unit_of_work() as uow:
        return list(uow.session.scalars(select(Job.status).where(Job.kind == "run_task").order_by(Job.id)))


def test_a_service_task_runs_in_an_rq_worker_process(rq_env, db_engine, queue_name):
    deploy_files(rq_env, SERVICE)
    case = start(rq_env, "service_echo", {"who": "张三"})
    assert instance(rq_env, case)["status"] == "running"
    assert job_states(rq_env) == ["enqueued"]
    run_worker(db_engine, queue_name)
    view = instance(rq_env, case)
    assert view["status"] == "completed"
    assert view["data"]["echoed"] == {"greeting": "张三"}
    assert job_states(rq_env) == ["done"]


def test_work_queued_while_redis_is_down_catches_up_when_it_returns(make_env, db_engine, queue_name):
    down = make_env(jobs="rq", redis_url="redis://127.0.0.1:1/0", queue_name=queue_name)
    deploy_files(down, SERVICE)
    case = start(down, "service_echo", {"who": "李四"})  # the submission itself is stored
    assert job_states(down) == ["pending"]
    up = make_env(jobs="rq", redis_url=REDIS_URL, queue_name=queue_name)
    up.dispatcher.run_scheduler_once()
    run_worker(db_engine, queue_name)
    assert instance(up, case)["status"] == "completed"


def test_a_job_whose_worker_died_is_handed_out_again_and_its_effect_happens_once(rq_env, db_engine, queue_name):
    deploy_files(rq_env, SERVICE)
    case = start(rq_env, "service_echo", {"who": "王五"})
    with rq_env.unit_of_work() as uow:  # a worker claimed it, then was killed before finishing
        uow.session.execute(update(Job).where(Job.kind == "run_task").values(status="running", lease_until=utcnow()))
        uow.commit()
    rq_env.dispatcher.run_scheduler_once()  # the lease has expired: back to the queue
    run_worker(db_engine, queue_name)
    run_worker(db_engine, queue_name)  # a duplicate delivery finds nothing to do
    view = instance(rq_env, case)
    assert view["status"] == "completed"
    assert job_states(rq_env) == ["done"]
    assert jobs.run_job(rq_env, 1) is False


def test_a_running_worker_stops_within_seconds_of_sigterm(rq_env, db_engine, queue_name, tmp_path):
    """What a deploy or `systemctl stop` does; rq's own command channel could hold it up to a minute."""
    deploy_files(rq_env, SERVICE)
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "api", "worker"], env=worker_environ(db_engine, queue_name),
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        case = start(rq_env, "service_echo", {"who": "赵六"})
        deadline = time.monotonic() + 60
        while instance(rq_env, case)["status"] != "completed":  # the worker is in its loop, working
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        started = time.monotonic()
        returncode = worker.wait(30)
        assert time.monotonic() - started < 10, log.read_text()
        assert returncode == 0, log.read_text()
        # rq's stop waits on its command channel's reader, which sleeps up to 60 s between
        # reads and is not always woken (rq issue #1613): yiwang workers do not open it.
        assert "subscribing to channel" not in log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
