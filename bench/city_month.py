"""Issue 7 goal 5: a city's month (160,000 cases) on PostgreSQL with rq workers.

The bench process publishes the example items, then queues one engine job per case
(``bench_city_case``: takes the case number, opens the case if it is not open yet and
works every ready step with the scripted data of :mod:`bench.city_cases`, so a job run
twice only finishes what is left). Two ``yiwang worker`` loops (:mod:`bench.city_worker`:
:func:`api.worker.run_worker` with this module's job handler imported) take them from
Redis; the jobs the steps themselves create go the same way. Reported: cases/s and
steps/s against the same mix in the engine's workflow kept in memory (no database),
database size per case, and the workers' RSS over the first and the last 10 % of
the run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select, text

from engine import deploy, jobs, queries, runtime
from engine.actors import Actor
from engine.config import EngineConfig
from engine.db import make_db_engine
from engine.models import HistoryEvent, Job, ProcessDefinition, ProcessInstance

from . import city_cases
from .city_cases import APPLICANTS, application, kind_of, step_data

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
CASE_JOB = "bench_city_case"
SCHEMA = "yiwang_city"
BENCH_DB = "yiwang_bench"
REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own: flushed at the start
QUEUE = "yiwang_bench_city"
SYSTEM = Actor.system("bench")
WORKERS = 2
IN_FLIGHT = 60  # cases queued ahead of the workers


# -- the job the workers run ------------------------------------------------------
@jobs.handler(CASE_JOB)
def run_case(uow, case_no: int) -> None:
    """Open case ``case_no`` (unless open already) and work all its steps; safe to run twice."""
    env, key = uow.env, f"CITY-{case_no:07d}"
    instance_id = uow.session.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == key))
    uow.session.rollback()  # hold no transaction open while the steps run
    kind = kind_of(case_no)
    if instance_id is None:
        instance_id = _open(env, kind, case_no, key)
    visits: dict[str, int] = {}
    while True:
        with env.unit_of_work() as read:
            ready = queries.list_tasks(read, queries.TaskFilter(instance_id=instance_id, limit=100))
        if not ready:
            return
        for task in ready:
            element = task["element_id"]
            data = step_data(kind, case_no, element, visits.get(element, 0))
            visits[element] = visits.get(element, 0) + 1
            runtime.complete_task(env.unit_of_work(), task["id"], data, actor=SYSTEM)


def _open(env, kind: str, case_no: int, key: str) -> str:
    from processes import catalogue

    submission = application(kind, case_no)
    if kind == "one_window":
        return runtime.start_instance(env.unit_of_work(), process_id=city_cases.ONE_WINDOW, data=submission,
                                      business_key=key, actor=Actor.of(APPLICANTS[kind]))
    with env.unit_of_work() as uow:
        start = catalogue.prepare_case(uow.session, city_cases.CODES[kind], submission, applicant=APPLICANTS[kind])
    return runtime.start_instance(env.unit_of_work(), definition_id=start.definition_id, data=start.data,
                                  business_key=key, actor=Actor.of(APPLICANTS[kind]),
                                  form_versions=start.form_versions)


# -- setting up --------------------------------------------------------------------
def bench_database(url: str) -> str:
    """The URL of database ``yiwang_bench`` on the same server, created when missing."""
    admin = make_db_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": BENCH_DB})
        if not exists:
            conn.execute(text(f"CREATE DATABASE {BENCH_DB}"))
    admin.dispose()
    base, _, query = url.partition("?")
    return base.rsplit("/", 1)[0] + f"/{BENCH_DB}" + (f"?{query}" if query else "")


def _schema_url(url: str) -> str:
    admin = make_db_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    admin.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{SCHEMA}"


def build(url: str, jobs_mode: str, redis_url: str = REDIS_URL):
    from api.wiring import build_env

    return build_env(EngineConfig(database_url=url, jobs=jobs_mode, redis_url=redis_url, queue_name=QUEUE))


def publish_examples(env) -> None:
    from forms.store import publish_form
    from processes import item_commands

    for folder in city_cases.FOLDERS.values():
        item_commands.import_item(env, EXAMPLES / folder, published_by="bench")
    one_window = EXAMPLES / city_cases.ONE_WINDOW
    with env.unit_of_work() as uow:
        for path in sorted((one_window / "forms").glob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            publish_form(uow.session, path.stem, document["schema"], document.get("ui_schema"))
        uow.commit()
    deploy.deploy(env.unit_of_work(), {p.name: p.read_bytes() for p in one_window.glob("*.bpmn")})


def _start_workers(url: str, redis_url: str, workdir: str) -> list[subprocess.Popen]:
    environ = {**os.environ, "PYTHONPATH": str(REPO), "YIWANG_DATABASE_URL": url, "YIWANG_JOBS": "rq",
               "YIWANG_REDIS_URL": redis_url, "YIWANG_QUEUE_NAME": QUEUE, "YIWANG_POLL_INTERVAL_S": "1"}
    workers = []
    for n in range(WORKERS):
        log = open(Path(workdir) / f"worker{n}.log", "wb")  # noqa: SIM115 - closed with the process
        worker = subprocess.Popen([sys.executable, "-m", "bench.city_worker"], env=environ, cwd=workdir,
                                  stdout=log, stderr=subprocess.STDOUT)
        worker.log = log
        workers.append(worker)
    return workers


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# -- the persisted run -------------------------------------------------------------
def persisted_run(env, workers: list[subprocess.Popen], cases: int) -> dict:
    """Warm the workers up, then queue the cases a few at a time; sample progress and the workers' RSS."""
    warm_up = WORKERS * 5  # numbered after the month's cases: not counted
    _drive(env, workers, range(cases, cases + warm_up), [])
    before = _steps(env)
    samples: list[tuple[int, list[float]]] = []
    started = time.perf_counter()
    _drive(env, workers, range(cases), samples)
    elapsed = time.perf_counter() - started
    with env.unit_of_work() as uow:
        completed = uow.session.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.status == "completed", ProcessInstance.business_key.like("CITY-%")))
    first = [max(r) for d, r in samples if d <= cases * 0.1]
    last = [max(r) for d, r in samples if d >= cases * 0.9]
    return {"cases": cases, "completed": completed - warm_up, "steps": _steps(env) - before, "elapsed": elapsed,
            "rss_first": statistics.median(first), "rss_last": statistics.median(last)}


def _steps(env) -> int:
    with env.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(HistoryEvent).where(
            HistoryEvent.action == "task.completed"))


def _drive(env, workers, case_numbers: range, samples: list) -> None:
    """Keep IN_FLIGHT case jobs queued until all of ``case_numbers`` are done.

    Progress is read from the in-flight jobs only (by id), so polling costs the same at
    the month's last case as at its first.
    """
    queued, total = 0, len(case_numbers)
    in_flight: set[int] = set()
    while queued < total or in_flight:
        if any(w.poll() is not None for w in workers):
            raise RuntimeError("a worker died: see its log")
        with env.unit_of_work() as uow:
            failed = uow.session.scalar(select(Job.last_error).where(Job.status == "failed", Job.kind == CASE_JOB))
            if failed:
                raise RuntimeError(f"a case job failed: {failed}")
            more = max(0, min(total - queued, IN_FLIGHT - len(in_flight)))
            for case_no in case_numbers[queued:queued + more]:
                key = f"{CASE_JOB}:{case_no}"
                jobs.schedule(uow, CASE_JOB, {"case_no": case_no}, dedup_key=key)
                in_flight.add(uow.session.scalar(select(Job.id).where(Job.dedup_key == key)))
            queued += more
            uow.commit()
        time.sleep(0.2)
        with env.unit_of_work() as uow:
            in_flight -= set(uow.session.scalars(select(Job.id).where(
                Job.id.in_(sorted(in_flight)), Job.status == "done")))
        samples.append((queued - len(in_flight), [_rss_mb(w.pid) for w in workers]))


def database_size(env) -> dict:
    with env.db_engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relkind = 'r' "
            "ORDER BY 2 DESC"), {"schema": SCHEMA}).all()
    return {name: size for name, size in rows}


# -- the in-memory reference -------------------------------------------------------
def in_memory_run(env, cases: int) -> dict:
    """The same cases and steps on the engine's workflow, kept in memory: no database, no queue."""
    from engine import instance_store
    from engine.workflow import YiwangWorkflow
    from processes import catalogue

    specs = {}
    with env.unit_of_work() as uow:
        for kind, code in city_cases.CODES.items():
            start = catalogue.prepare_case(uow.session, code, application(kind, 1), applicant=APPLICANTS[kind])
            specs[kind] = instance_store.specs_for(uow, start.definition_id, {})
        one_window = uow.session.scalar(select(func.max(ProcessDefinition.id)).where(
            ProcessDefinition.process_id == city_cases.ONE_WINDOW))
        specs["one_window"] = instance_store.specs_for(uow, one_window, {})
        starts = {}
        for case_no in range(cases):
            kind = kind_of(case_no)
            if kind == "one_window":
                starts[case_no] = application(kind, case_no)
            else:
                starts[case_no] = catalogue.prepare_case(uow.session, city_cases.CODES[kind],
                                                         application(kind, case_no), applicant=APPLICANTS[kind]).data
    steps, started = 0, time.perf_counter()
    for case_no in range(cases):
        kind = kind_of(case_no)
        wf = YiwangWorkflow(*specs[kind], script_engine=env.script_engine)
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(starts[case_no])
        wf.do_engine_steps()
        visits: dict[str, int] = {}
        while (ready := wf.get_tasks(state=TaskState.READY, manual=True)):
            for task in ready:
                element = task.task_spec.bpmn_id
                task.data.update(step_data(kind, case_no, element, visits.get(element, 0)))
                visits[element] = visits.get(element, 0) + 1
                task.run()
                wf.do_engine_steps()
                steps += 1
    elapsed = time.perf_counter() - started
    return {"cases": cases, "steps": steps, "elapsed": elapsed}


def run(postgres_url: str, *, cases: int, redis_url: str = REDIS_URL) -> dict:
    from redis import Redis

    url = _schema_url(bench_database(postgres_url))
    Redis.from_url(redis_url).flushdb()
    env = build(url, "rq", redis_url)
    workdir = tempfile.mkdtemp(prefix="yiwang-city-")
    try:
        publish_examples(env)
        memory = in_memory_run(env, min(cases, 1500))
        workers = _start_workers(url, redis_url, workdir)
        try:
            persisted = persisted_run(env, workers, cases)
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(30)
                worker.log.close()
        sizes = database_size(env)
    finally:
        env.close()
    admin = make_db_engine(bench_database(postgres_url))
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    admin.dispose()
    return {"persisted": persisted, "memory": memory, "sizes": sizes, "workdir": workdir}


def report(result: dict) -> str:
    p, m, sizes = result["persisted"], result["memory"], result["sizes"]
    cases_s, steps_s = p["cases"] / p["elapsed"], p["steps"] / p["elapsed"]
    mem_cases_s, mem_steps_s = m["cases"] / m["elapsed"], m["steps"] / m["elapsed"]
    total = sum(sizes.values())
    growth = p["rss_last"] / p["rss_first"] - 1
    top = ", ".join(f"{name} {size / p['cases'] / 1024:.1f}" for name, size in list(sizes.items())[:5])
    lines = [f"## a city's month: {p['cases']:,} cases on PostgreSQL, {WORKERS} rq workers", "",
             "| measurement | value |", "|---|---|",
             f"| cases completed (all steps worked) | {p['completed']:,} of {p['cases']:,} |",
             f"| elapsed | {p['elapsed']:.0f} s |",
             f"| cases/s, persisted (rq workers) / in memory | {cases_s:.1f} / {mem_cases_s:.1f} "
             f"(ratio {cases_s / mem_cases_s:.3f}) |",
             f"| user steps/s, persisted / in memory | {steps_s:.1f} / {mem_steps_s:.1f} "
             f"(ratio {steps_s / mem_steps_s:.3f}; {p['steps'] / p['cases']:.2f} steps per case) |",
             f"| database size per case | {total / p['cases'] / 1024:.1f} KiB (largest, KiB/case: {top}) |",
             f"| worker RSS, first 10 % / last 10 % of the run | {p['rss_first']:.0f} MB / {p['rss_last']:.0f} MB "
             f"(**{growth * 100:+.1f} %**, goal <= +10 %) |",
             f"| a month of 160,000 cases at this rate | {160_000 / cases_s / 3600:.1f} h |"]
    return "\n".join(lines)


def verdicts(result: dict) -> list[tuple[str, float, str, bool | None]]:
    p, m = result["persisted"], result["memory"]
    growth = p["rss_last"] / p["rss_first"] - 1
    ratio = (p["steps"] / p["elapsed"]) / (m["steps"] / m["elapsed"])
    return [(f"5. city month ({p['cases']:,} cases): steps/s persisted / in memory", ratio, "report", None),
            ("5. worker RSS growth, last 10 % / first 10 %", 1 + growth, "<= 1.10x",
             growth <= 0.10 and p["completed"] >= p["cases"])]
