"""``python -m bench.step_profile [--postgres URL]``: where a persisted step's time goes (issue 7, goal 1).

Three probes behind the goal-1 section of docs/performance.md:

* the floor of the database layer: a ``SELECT 1`` in the raw driver and through
  SQLAlchemy, and (PostgreSQL) an insert + commit with ``synchronous_commit`` on and off;
* per statement: the time of every statement and of the commit of a step, taken from
  SQLAlchemy's cursor events around the steps of whole one-window cases;
* SQLite only: a cProfile of those steps, split into sqlite3, SQLAlchemy, SpiffWorkflow
  and the rest.

The one-window example is the process of goal 1; the steps are those of
:mod:`bench.engine_bench` (``runtime.complete_task`` through the engine's own API).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import cProfile
import pstats
import re
import sqlite3
import statistics
import tempfile
import time

from sqlalchemy import create_engine, event, text

from engine import deploy, runtime

from . import engine_bench

CASES, WARM_UP = 50, 10


def _median_us(fn, runs: int = 2000) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def floor(postgres_url: str | None) -> list[str]:
    """Round trip and commit costs of the drivers, without the engine."""
    lines = []
    path = tempfile.mkdtemp(prefix="yiwang-probe-") + "/probe.sqlite3"
    raw = sqlite3.connect(path)
    lines.append(f"| `SELECT 1`, raw sqlite3 | {_median_us(lambda: raw.execute('SELECT 1').fetchone()):.1f} µs |")
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        lines.append(f"| `SELECT 1`, SQLite through SQLAlchemy | "
                     f"{_median_us(lambda: conn.execute(text('SELECT 1')).scalar()):.1f} µs |")
    engine.dispose()
    if postgres_url:
        engine = create_engine(postgres_url)
        with engine.connect() as conn:
            driver = conn.connection.driver_connection
            lines.append(f"| `SELECT 1`, raw psycopg | "
                         f"{_median_us(lambda: driver.execute('SELECT 1').fetchone()):.1f} µs |")
            lines.append(f"| `SELECT 1`, PostgreSQL through SQLAlchemy | "
                         f"{_median_us(lambda: conn.execute(text('SELECT 1')).scalar()):.1f} µs |")
            conn.commit()
            conn.execute(text("CREATE TEMP TABLE commit_probe (x int)"))
            conn.commit()
            for mode in ("on", "off"):
                conn.execute(text(f"SET synchronous_commit = {mode}"))
                conn.commit()

                def insert_commit():
                    conn.execute(text("INSERT INTO commit_probe VALUES (1)"))
                    conn.commit()
                lines.append(f"| insert + commit, `synchronous_commit={mode}` | {_median_us(insert_commit, 500):.0f} µs |")
        engine.dispose()
    return ["| probe | median |", "|---|---|", *lines]


def _one_window_env(database_url: str | None):
    env, _ = engine_bench.make_env(database_url)
    deploy.deploy(env.unit_of_work(), {"one_window_approval.bpmn": engine_bench.ONE_WINDOW_BPMN.read_bytes()})
    return env


def _work_cases(env, cases: int, around) -> int:
    """Work ``cases`` one-window cases as goal 1 does; every completion runs inside ``around()``."""
    steps = 0
    for _ in range(cases):
        instance_id = runtime.start_instance(env.unit_of_work(), process_id="one_window_approval",
                                             data=engine_bench.ONE_WINDOW_START, actor=engine_bench.SYSTEM)
        for data in engine_bench.ONE_WINDOW_STEPS:
            task_id = engine_bench.ready_task_id(env, instance_id)
            with around():
                engine_bench.engine_step(env, task_id, data)
            steps += 1
    return steps


class _Timing:
    """Times statements and commits while on; the context manager of one step."""

    def __init__(self, env) -> None:
        self.on, self.by_statement, self.steps = False, collections.defaultdict(list), []
        self._started = 0.0
        event.listen(env.db_engine, "before_cursor_execute", self._before)
        event.listen(env.db_engine, "after_cursor_execute", self._after)
        dialect = env.db_engine.dialect
        do_commit = dialect.do_commit

        def timed_commit(dbapi_connection) -> None:  # the driver's commit, timed (no event covers it)
            started = time.perf_counter()
            do_commit(dbapi_connection)
            if self.on:
                self.by_statement["COMMIT"].append(time.perf_counter() - started)

        dialect.do_commit = timed_commit

    def _before(self, conn, cursor, statement, *args) -> None:
        self._started = time.perf_counter()

    def _after(self, conn, cursor, statement, *args) -> None:
        if self.on:
            words = statement.split()
            table = words[2] if words[0] in ("INSERT", "DELETE") else words[1]
            if words[0] == "SELECT":
                table = re.search(r"\bFROM\s+(\w+)", statement).group(1)
            self.by_statement[f"{words[0]} {table}"].append(time.perf_counter() - self._started)

    def __call__(self):
        timing = self

        class _Step:
            def __enter__(self):
                timing.on, self.started = True, time.perf_counter()

            def __exit__(self, *exc):
                timing.steps.append(time.perf_counter() - self.started)
                timing.on = False

        return _Step()


def per_statement(database_url: str | None) -> list[str]:
    """Each statement's share of a one-window step, from SQLAlchemy's cursor events."""
    env = _one_window_env(database_url)
    timing = _Timing(env)
    _work_cases(env, WARM_UP, contextlib.nullcontext)
    timing.by_statement.clear()
    steps = _work_cases(env, CASES, timing)
    env.close()
    in_database = sum(sum(v) for v in timing.by_statement.values())
    lines = [f"{steps} steps; step median {statistics.median(timing.steps) * 1e3:.2f} ms, mean "
             f"{statistics.mean(timing.steps) * 1e3:.2f} ms, of which in the driver (statements and commit) "
             f"{in_database / steps * 1e3:.2f} ms", "",
             "| statement | per step | executions per step | median each |", "|---|---|---|---|"]
    for name, times in sorted(timing.by_statement.items(), key=lambda kv: -sum(kv[1])):
        lines.append(f"| `{name}` | {sum(times) / steps * 1e3:.3f} ms | {len(times) / steps:.2f} | "
                     f"{statistics.median(times) * 1e3:.3f} ms |")
    return lines


def sqlite_profile() -> list[str]:
    """cProfile of one-window steps on SQLite, split by where the time is spent."""
    env = _one_window_env(None)
    profile = cProfile.Profile()

    class _Profiled:
        def __enter__(self):
            profile.enable()

        def __exit__(self, *exc):
            profile.disable()

    _work_cases(env, WARM_UP, contextlib.nullcontext)
    steps = _work_cases(env, CASES, _Profiled)
    env.close()
    stats = pstats.Stats(profile).stats
    total = sum(entry[2] for entry in stats.values())
    shares = collections.Counter()
    for (filename, _, name), entry in stats.items():
        if "sqlite3." in name:
            shares["sqlite3 (execute, commit)"] += entry[2]
        elif "sqlalchemy" in filename:
            shares["SQLAlchemy"] += entry[2]
        elif "SpiffWorkflow" in filename:
            shares["SpiffWorkflow"] += entry[2]
        elif filename.endswith(("json/encoder.py", "json/decoder.py", "uuid.py")):
            shares["json and uuid"] += entry[2]
        else:
            shares["yiwang and the rest"] += entry[2]
    executes = sum(entry[1] for (_, _, name), entry in stats.items()
                   if name == "<method 'execute' of 'sqlite3.Cursor' objects>")
    lines = [f"{steps} steps under cProfile ({total / steps * 1e3:.2f} ms a step profiled); "
             f"{executes / steps:.1f} sqlite3 executions per step", "", "| where | share of the step |", "|---|---|"]
    lines += [f"| {name} | {share / total:.0%} |" for name, share in shares.most_common()]
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.step_profile", description=__doc__)
    parser.add_argument("--postgres", help="also probe this PostgreSQL server (works in database yiwang_bench)")
    args = parser.parse_args(argv)
    url = None
    if args.postgres:
        from .city_month import bench_database

        url = bench_database(args.postgres)
    print("## floor of the database layer\n")
    print("\n".join(floor(url)))
    print("\n## one-window step by statement, SQLite\n")
    print("\n".join(per_statement(None)))
    if url:
        print("\n## one-window step by statement, PostgreSQL\n")
        print("\n".join(per_statement(url)))
    print("\n## one-window step under cProfile, SQLite\n")
    print("\n".join(sqlite_profile()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
