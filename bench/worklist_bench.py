"""Department queues at city scale: p95 of the first page and of the counts by light, at 10,000 and N open tasks.

PostgreSQL only (the production database). Tasks are bulk-loaded with SQL
(generate_series) into a schema of their own: 100 departments, 3,000 service
items, tasks opened over the last 30 days with limits of 3 to 20 working days (so
deadlines are ends of days, as :meth:`engine.calendar.WorkingCalendar.add_working_days`
makes them), some already overdue. The queries are exactly what the engine runs: a
worklist page (:func:`engine.queries.list_tasks` with a group and an item) and the
counts by warning light (:func:`engine.task_lights.counts_by_light`); their plans are
printed so a reader can see the index range scans. The light counts are loaded as
compaction would leave them, with the last 2,000 task changes still pending as delta
rows; a plain ``COUNT`` over the department's queue is timed alongside for contrast.
"""

from __future__ import annotations

import random
import statistics
import time

from sqlalchemy import func, select, text

from engine.calendar import WorkingCalendar
from engine.config import EngineConfig
from engine.db import Base, make_db_engine
from engine.environment import EngineEnv
from engine.models import WorkTaskCandidate
from engine.queries import TaskFilter, list_tasks
from engine.task_lights import counts_by_light, light_keys, light_keys_query

SCHEMA = "yiwang_worklist"
DEPARTMENTS, ITEMS = 100, 3000
YELLOW_SHARE = 0.8
CALENDAR = WorkingCalendar()

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
    (date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') - (g / :departments % 30) * interval '1 day'
        + (ARRAY[3, 5, 7, 10, 15, 20])[g / :departments / 30 % 6 + 1] * 7 / 5 * interval '1 day'
        + interval '23:59:59') AT TIME ZONE 'Asia/Shanghai',
    now() - (g / :departments % 30) * interval '1 day'
FROM generate_series(1, :tasks) g;
INSERT INTO work_task_candidate (task_id, group_name, state, process_id, due_sort)
SELECT id, candidate_groups->>0, state, process_id, due_at FROM work_task;
INSERT INTO task_light_count (group_name, created_day, due_at, n)
SELECT c.group_name, (t.created_at AT TIME ZONE 'Asia/Shanghai')::date, c.due_sort, count(*)
FROM work_task_candidate c JOIN work_task t ON t.id = c.task_id
WHERE t.id <= 't' || lpad((:tasks - 2000)::text, 35, '0')
GROUP BY 1, 2, 3;
INSERT INTO task_light_delta (group_name, created_day, due_at, n)
SELECT c.group_name, (t.created_at AT TIME ZONE 'Asia/Shanghai')::date, c.due_sort, 1
FROM work_task_candidate c JOIN work_task t ON t.id = c.task_id
WHERE t.id > 't' || lpad((:tasks - 2000)::text, 35, '0');
ANALYZE;
"""


def _env(url: str, schema: str) -> EngineEnv:
    admin = make_db_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    sep = "&" if "?" in url else "?"
    env = EngineEnv(EngineConfig(database_url=f"{url}{sep}options=-csearch_path%3D{schema}"))
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


def _page(env: EngineEnv, rng: random.Random) -> None:
    flt = TaskFilter(group=f"dept_{rng.randrange(DEPARTMENTS)}", process_id=f"item_{rng.randrange(ITEMS)}"
                     if rng.random() < 0.5 else None, limit=20)
    with env.unit_of_work() as uow:
        list_tasks(uow, flt)


def _lights(env: EngineEnv, rng: random.Random) -> None:
    with env.unit_of_work() as uow:
        counts_by_light(uow, f"dept_{rng.randrange(DEPARTMENTS)}", yellow_share=YELLOW_SHARE, calendar=CALENDAR)


def _plain_count(env: EngineEnv, rng: random.Random) -> None:
    with env.unit_of_work() as uow:
        uow.session.execute(select(func.count()).select_from(WorkTaskCandidate).where(
            WorkTaskCandidate.group_name == f"dept_{rng.randrange(DEPARTMENTS)}", WorkTaskCandidate.state == "ready"))


def _median_p95(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times) * 1000, times[int(len(times) * 0.95) - 1] * 1000


def _interleaved(envs: dict[int, EngineEnv], query, queries: int, rng: random.Random) -> dict[int, tuple]:
    """Median and p95 per size, the sizes queried in turn so both see the same machine load."""
    times: dict[int, list[float]] = {size: [] for size in envs}
    for env in envs.values():
        for _ in range(30):
            query(env, rng)  # warm the connection and the cache
    for _ in range(queries):
        for size, env in envs.items():
            started = time.perf_counter()
            query(env, rng)
            times[size].append(time.perf_counter() - started)
    return {size: _median_p95(t) for size, t in times.items()}


def _explain(env: EngineEnv, statement) -> str:
    sql = str(statement.compile(env.db_engine, compile_kwargs={"literal_binds": True}))
    with env.db_engine.connect() as conn:
        return "\n".join(r[0] for r in conn.execute(text(f"EXPLAIN {sql}")))


def _page_plan(env: EngineEnv) -> str:
    with env.db_engine.connect() as conn:
        rows = conn.execute(text(
            "EXPLAIN SELECT work_task.* FROM work_task JOIN work_task_candidate c ON c.task_id = work_task.id "
            "WHERE c.group_name = 'dept_7' AND c.state = 'ready' AND c.process_id = 'item_1207' "
            "ORDER BY c.due_sort, c.task_id LIMIT 20")).all()
    return "\n".join(r[0] for r in rows)


def _lights_agree(env: EngineEnv) -> bool:
    """The counts of one department add up to a plain COUNT of its open tasks."""
    with env.unit_of_work() as uow:
        counts = counts_by_light(uow, "dept_7", yellow_share=YELLOW_SHARE, calendar=CALENDAR)
        total = uow.session.scalar(select(func.count()).select_from(WorkTaskCandidate).where(
            WorkTaskCandidate.group_name == "dept_7", WorkTaskCandidate.state == "ready"))
    return sum(counts.values()) == total and min(counts.values()) > 0


def measure(url: str, *, large: int, queries: int = 300) -> dict:
    """Load both sizes side by side, then time the three queries on them in turn."""
    rng = random.Random(7)
    sizes = (10_000, large)
    envs, loads = {}, {}
    try:
        for size in sizes:
            envs[size] = _env(url, f"{SCHEMA}_{size}")
            loads[size] = _load(envs[size], size)
        result = {
            "sizes": sizes, "loads": loads,
            "page": _interleaved(envs, _page, queries, rng),
            "lights": _interleaved(envs, _lights, queries, rng),
            "count": _interleaved(envs, _plain_count, queries // 3, rng),
            "agree": all(_lights_agree(env) for env in envs.values()),
            "page_plan": _page_plan(envs[large]),
            "lights_plan": _explain(envs[large], light_keys_query("dept_7", "postgresql")),
            "keys": {size: _keys(env) for size, env in envs.items()},
        }
    finally:
        for env in envs.values():
            env.close()
        admin = make_db_engine(url)
        with admin.begin() as conn:
            for size in sizes:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA}_{size} CASCADE"))
        admin.dispose()
    return result


def _keys(env: EngineEnv) -> int:
    with env.unit_of_work() as uow:
        return len(light_keys(uow.session, "dept_7"))


def report(result: dict) -> str:
    small, large = result["sizes"]
    lines = ["## department queues (PostgreSQL; sizes loaded side by side and queried in turn)", "",
             "| open tasks | load | first page median / p95 | counts by light median / p95 "
             "| plain COUNT of the queue median / p95 |", "|---|---|---|---|---|"]
    for size in (small, large):
        cells = [f"{result[q][size][0]:.2f} / {result[q][size][1]:.2f} ms" for q in ("page", "lights", "count")]
        lines.append(f"| {size:,} | {result['loads'][size]:.1f} s | " + " | ".join(cells) + " |")
    for name, query in (("first page", "page"), ("counts by light", "lights"), ("plain COUNT (not used)", "count")):
        ratio = result[query][large][1] / result[query][small][1]
        lines.append(f"\n{name}: p95 at {large:,} / p95 at 10,000 = **{ratio:.2f}x**"
                     + ("" if query == "count" else " (goal: <= 1.5x)"))
    lines += ["", f"Light keys of dept_7: {result['keys'][small]} at 10,000, {result['keys'][large]} at {large:,}; "
              f"counts add up to COUNT(*): {'yes' if result['agree'] else 'NO'}", "",
              "Plan of the first page (group + item):", "", "```", result["page_plan"], "```", "",
              "Plan of the counts by light (compacted counts + pending deltas of one department):", "", "```",
              result["lights_plan"], "```"]
    return "\n".join(lines)


def verdicts(result: dict) -> list[tuple[str, float, str, bool]]:
    """(goal, measured ratio, goal text, met) rows for the summary."""
    small, large = result["sizes"]
    rows = []
    for name, query in (("4. queue first page, p95 at %s / 10,000", "page"),
                        ("4. counts by light, p95 at %s / 10,000", "lights")):
        ratio = result[query][large][1] / result[query][small][1]
        ok = ratio <= 1.5 and (query != "lights" or result["agree"])
        rows.append((name % f"{large:,}", ratio, "<= 1.5x", ok))
    return rows


def run(url: str, *, large: int, queries: int = 300) -> str:
    return report(measure(url, large=large, queries=queries))
