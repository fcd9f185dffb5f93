"""Task completions over HTTP: gunicorn with 2 workers on PostgreSQL, 50 concurrent clerks.

Reports throughput and latency percentiles of ``POST /api/v1/tasks/{id}/complete``
against the in-process persisted rate (the engine's own ``complete_task`` in this
process, same database) — issue 7's goal 3 — and checks issue 8's two concurrency
claims: every one of the tasks completed exactly once, and 50 clerks completing the
same task at once get one 200 and 409s.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import func, select, text

from engine import deploy, runtime
from engine.actors import Actor
from engine.config import EngineConfig
from engine.db import make_db_engine
from engine.models import HistoryEvent, WorkTask

REPO = Path(__file__).resolve().parent.parent
BPMN = REPO / "bench" / "data" / "single_task.bpmn"
SCHEMA = "yiwang_http"
PASSWORD = "Bench-passw0rd-2026"


def _url(base: str) -> str:
    admin = make_db_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    admin.dispose()
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{SCHEMA}"


def _seed(env, clerks: int) -> None:
    from api import accounts

    accounts.create_group(env.unit_of_work(), "window", kind="window")
    for n in range(clerks):
        accounts.create_user(env.unit_of_work(), f"clerk{n}", password=PASSWORD, roles=["clerk"],
                             groups=["window"], min_length=12)
    deploy.deploy(env.unit_of_work(), {BPMN.name: BPMN.read_bytes()})


def _start_cases(env, count: int) -> list[str]:
    actor = Actor.system("bench")
    ids = [runtime.start_instance(env.unit_of_work(), process_id="single_task", actor=actor) for _ in range(count)]
    with env.unit_of_work() as uow:
        return list(uow.session.scalars(select(WorkTask.id).where(WorkTask.instance_id.in_(ids))))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(url: str, port: int, workdir: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "YIWANG_DATABASE_URL": url, "YIWANG_JOBS": "inline",
           "YIWANG_SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
           "YIWANG_COOKIE_SECURE": "false",  # plain HTTP on loopback
           # Every clerk signs in from 127.0.0.1: the limits are raised, not met (counters in memory).
           "YIWANG_RATE_LIMIT_STORAGE": "memory://", "YIWANG_LOGIN_RATE_LIMIT": "100000 per minute",
           "YIWANG_PUBLIC_RATE_LIMIT": "100000 per minute", "YIWANG_LOGIN_ACCOUNT_RATE_LIMIT": "100000 per minute"}
    log = open(Path(workdir) / "gunicorn.log", "wb")  # noqa: SIM115 - closed with the process
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "8", "-b", f"127.0.0.1:{port}",
         "--no-control-socket",  # not the shared ~/.gunicorn/gunicorn.ctl
         # Longer than a clerk's pause between login and first completion: with gunicorn's
         # 2 s, an idle connection can be closed just as a request arrives on it (reset).
         "--keep-alive", "30", "api.app:create_app()"], env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    server.log = log
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                return server
        except requests.RequestException:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError(f"gunicorn did not start: see {workdir}/gunicorn.log")


def _login(base: str, username: str) -> requests.Session:
    http = requests.Session()
    response = http.post(f"{base}/api/v1/session", json={"username": username, "password": PASSWORD}, timeout=60)
    response.raise_for_status()
    http.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return http


def _complete_all(base: str, sessions: list[requests.Session], task_ids: list[str]) -> tuple[list[float], dict]:
    latencies, statuses, lock = [], {}, threading.Lock()
    queue = list(task_ids)

    def clerk(http: requests.Session) -> None:
        while True:
            with lock:
                if not queue:
                    return
                task_id = queue.pop()
            started = time.perf_counter()
            response = http.post(f"{base}/api/v1/tasks/{task_id}/complete", json={"data": {}}, timeout=120)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    with ThreadPoolExecutor(len(sessions)) as pool:
        list(pool.map(clerk, sessions))
    return latencies, statuses


def _same_task(base: str, sessions: list[requests.Session], task_id: str) -> dict:
    barrier = threading.Barrier(len(sessions))

    def clerk(http):
        barrier.wait()
        return http.post(f"{base}/api/v1/tasks/{task_id}/complete", json={"data": {}}, timeout=120).status_code

    with ThreadPoolExecutor(len(sessions)) as pool:
        codes = list(pool.map(clerk, sessions))
    return {code: codes.count(code) for code in set(codes)}


def run(base_url: str, *, tasks: int = 200, clerks: int = 50) -> str:
    return report(measure(base_url, tasks=tasks, clerks=clerks))


def measure(base_url: str, *, tasks: int = 200, clerks: int = 50) -> dict:
    """Run the HTTP benchmark; raises SystemExit (with the table) when a concurrency claim fails."""
    from api.wiring import build_env

    url = _url(base_url)
    env = build_env(EngineConfig(database_url=url, jobs="inline"))
    _seed(env, clerks)
    reference_ids = _start_cases(env, tasks)
    # The web workers never started these cases, so none is in their instance cache: the
    # in-process reference reads each case from the database too (same work, minus HTTP).
    env.instances.clear()
    started = time.perf_counter()
    for task_id in reference_ids:
        runtime.complete_task(env.unit_of_work(), task_id, {}, actor=Actor.of("clerk0", "window"))
    in_process_rate = tasks / (time.perf_counter() - started)

    warm_up_ids = _start_cases(env, clerks)
    task_ids = _start_cases(env, tasks)
    contested = _start_cases(env, 1)[0]
    port, workdir = _free_port(), tempfile.mkdtemp(prefix="yiwang-http-")
    server = _gunicorn(url, port, workdir)
    base = f"http://127.0.0.1:{port}"
    try:
        sessions = [_login(base, f"clerk{n}") for n in range(clerks)]
        # One completion per clerk first, not timed: each worker thread has then opened its
        # database connection and each worker process read the definition, as on a server
        # that has been up for a while (the in-process reference is warm in the same way).
        _complete_all(base, sessions, warm_up_ids)
        started = time.perf_counter()
        latencies, statuses = _complete_all(base, sessions, task_ids)
        http_rate = tasks / (time.perf_counter() - started)
        contest = _same_task(base, sessions, contested)
    finally:
        server.terminate()
        server.wait(30)
        server.log.close()
    with env.unit_of_work() as uow:
        done = uow.session.scalar(select(func.count()).select_from(WorkTask).where(
            WorkTask.id.in_(task_ids + [contested]), WorkTask.state == "completed"))
        logged = uow.session.scalar(select(func.count()).select_from(HistoryEvent).where(
            HistoryEvent.task_id.in_(task_ids + [contested]), HistoryEvent.action == "task.completed"))
    env.close()
    latencies.sort()
    p50, p95 = statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.95) - 1] * 1000
    ok = statuses == {200: tasks} and done == logged == tasks + 1 and contest.get(200) == 1 \
        and sum(contest.values()) == clerks and set(contest) <= {200, 409}
    admin = make_db_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    admin.dispose()
    result = {"tasks": tasks, "clerks": clerks, "in_process_rate": in_process_rate, "http_rate": http_rate,
              "p50": p50, "p95": p95, "statuses": statuses, "done": done, "logged": logged, "contest": contest,
              "ok": ok}
    if not ok:
        raise SystemExit(report(result))
    return result


def report(r: dict) -> str:
    tasks, clerks = r["tasks"], r["clerks"]
    lines = [
        f"## task completions over HTTP (gunicorn 2 workers x 8 threads, PostgreSQL, {clerks} clerks)", "",
        "| measurement | value |", "|---|---|",
        f"| in-process persisted rate (engine API, same database, cases not cached) | {r['in_process_rate']:.0f} completions/s |",
        f"| HTTP rate | {r['http_rate']:.0f} completions/s |",
        f"| HTTP / in-process | {r['http_rate'] / r['in_process_rate']:.2f} (goal: >= 0.5) |",
        f"| latency p50 / p95 | {r['p50']:.1f} ms / {r['p95']:.1f} ms |",
        f"| statuses | {dict(sorted(r['statuses'].items()))} |",
        f"| completed exactly once (index / history) | {r['done']} / {r['logged']} of {tasks + 1} |",
        f"| {clerks} clerks completing one task at once | {dict(sorted(r['contest'].items()))} |",
        f"| all claims hold | {'yes' if r['ok'] else 'NO'} |",
    ]
    return "\n".join(lines)


def verdicts(r: dict) -> list[tuple[str, float, str, bool]]:
    ratio = r["http_rate"] / r["in_process_rate"]
    return [("3. HTTP completions / in-process persisted rate", ratio, ">= 0.5", ratio >= 0.5 and r["ok"])]
