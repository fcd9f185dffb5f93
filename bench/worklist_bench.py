"""Department queues at city scale: p95 of the first page at 10,000 and at N open tasks.

PostgreSQL only (the production database). Tasks are bulk-loaded with SQL
(generate_series) into a schema of their own: 100 departments, 3,000 service
items, deadlines spread over 60 days. The query is exactly what the engine runs
for a worklist (:func:`engine.queries.list_tasks` with a group and an item), and
its plan is printed so a reader can see the index range scan.
"""

from __future__ import annotations

import random
import statistics
import time

from sqlalchemy import text

from engine.config import EngineConfig
from engine.db import Base, make_db_engine
from engine.environment import EngineEnv
from engine.queries import TaskFilter, list_tasks

SCHEMA = "yiwang_worklist"
DEPARTMENTS, ITEMS = 100, 3000

LOAD = """
INSERT INTO process_definition (id, process_id, version, content_hash, sources, spec, call_bindings,
    start_messages, form_keys, lint, deployed_at)
VALUES (1, 'bench', 1, 'x', '{}', '{}', '{}', '[]', '[]', '[]', now());
INSERT INTO process_instance (id, definition_id, process_id, status, state_meta, call_definitions,
    form_versions, started_at, updated_at, version)
SELECT lpad(g::text, 36, '0'), 1, 'item_' || (g % :items), 'running', '{}', '{}', '{}', now(), now(), 1
FROM generate_series(1, :instances) g;
INSERT INTO work_task (id, instance_id, definition_id, process_id, element_id, kind, state,
    candidate_groups, candidate_users, due_at, created_at)
SELECT 't' || lpad(g::text, 35, '0'), lpad((g % :instances + 1)::text, 36, '0'), 1, 'item_' || (g % :items),
    'review', 'user', 'ready', json_build_array('dept_' || (g % :departments)), '[]',
    now() + ((g::bigint * 7919) % 86400 * 60) * interval '1 second', now()
FROM generate_series(1, :tasks) g;
INSERT INTO work_task_candidate (task_id, group_name, state, process_id, due_sort)
SELECT id, candidate_groups->>0, state, process_id, due_at FROM work_task;
ANALYZE;
"""


def _env(url: str) -> EngineEnv:
    admin = make_db_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    admin.dispose()
    sep = "&" if "?" in url else "?"
    env = EngineEnv(EngineConfig(database_url=f"{url}{sep}options=-csearch_path%3D{SCHEMA}"))
    import forms.models  # noqa: F401 - every table, as in production

    Base.metadata.create_all(env.db_engine)
    return env


def _load(env: EngineEnv, tasks: int) -> float:
    started = time.perf_counter()
    with env.db_engine.begin() as conn:
        for statement in LOAD.strip().split(";\n"):
            sql = statement.strip()
            if sql:
                conn.execute(text(sql.replace(":items", str(ITEMS)).replace(":instances", str(max(1, tasks // 10)))
                                  .replace(":tasks", str(tasks)).replace(":departments", str(DEPARTMENTS))))
    return time.perf_counter() - started


def _queue_p95(env: EngineEnv, queries: int, rng: random.Random) -> tuple[float, float]:
    times = []
    for _ in range(queries):
        flt = TaskFilter(group=f"dept_{rng.randrange(DEPARTMENTS)}", process_id=f"item_{rng.randrange(ITEMS)}"
                         if rng.random() < 0.5 else None, limit=20)
        started = time.perf_counter()
        with env.unit_of_work() as uow:
            list_tasks(uow, flt)
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.95) - 1] * 1000


def _plan(env: EngineEnv) -> str:
    with env.db_engine.connect() as conn:
        rows = conn.execute(text(
            "EXPLAIN SELECT work_task.* FROM work_task JOIN work_task_candidate c ON c.task_id = work_task.id "
            "WHERE c.group_name = 'dept_7' AND c.state = 'ready' AND c.process_id = 'item_1207' "
            "ORDER BY c.due_sort, c.task_id LIMIT 20")).all()
    return "\n".join(r[0] for r in rows)


def run(url: str, *, large: int, queries: int = 300) -> str:
    rng = random.Random(7)
    lines = ["## department queues (PostgreSQL)", "",
             "| open tasks | load | first page median | first page p95 |", "|---|---|---|---|"]
    results = {}
    for size in (10_000, large):
        env = _env(url)
        try:
            load_s = _load(env, size)
            _queue_p95(env, 50, rng)  # warm the cache
            results[size] = _queue_p95(env, queries, rng)
            plan = _plan(env)
        finally:
            env.close()
        median, p95 = results[size]
        lines.append(f"| {size:,} | {load_s:.1f} s | {median:.2f} ms | {p95:.2f} ms |")
    ratio = results[large][1] / results[10_000][1]
    lines += ["", f"p95 at {large:,} / p95 at 10,000: **{ratio:.2f}x** (goal: <= 1.5x)", "",
              "Plan of the first page (group + item):", "", "```", plan, "```"]
    admin = make_db_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    admin.dispose()
    return "\n".join(lines)
