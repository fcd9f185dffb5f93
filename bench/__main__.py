"""``python -m bench [--quick] [--postgres URL] [--only steps,city,...]``: run the benchmarks of issue 7, print ratios.

Prints Markdown tables ready to paste into docs/performance.md, then one summary
table: each goal's ratio (taken within this run) next to its bound, MET / NOT MET.
With ``--postgres`` the PostgreSQL-only goals run too (department queues, HTTP, the
city's month); they use database ``yiwang_bench`` on that server (created when
missing) so other users of the given database are left alone. ``--only`` runs a
subset of the sections, e.g. ``--only city`` to repeat the month alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import datetime, timezone

from . import (
    city_month,
    deploy_bench,
    engine_bench,
    forms_bench,
    growth_bench,
    http_bench,
    worklist_bench,
)

CITY_MONTH = 160_000
QUICK_CITY = 1_000  # ~3 min on 2 busy cores; --city-cases for more


# the sections, in the order they run; --only picks a subset (the PostgreSQL ones need --postgres)
SECTIONS = ("steps", "growth", "worklist", "http", "city", "forms", "deploy")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="reduced sizes (CI smoke run)")
    parser.add_argument("--postgres", default=os.environ.get("YIWANG_BENCH_POSTGRES_URL"),
                        help="also run on this PostgreSQL server (the bench works in database yiwang_bench)")
    parser.add_argument("--redis", default=os.environ.get("YIWANG_BENCH_REDIS_URL", city_month.REDIS_URL),
                        help="Redis database for the city's month (flushed at its start)")
    parser.add_argument("--city-cases", type=int, default=None,
                        help=f"cases in the city's month (default {CITY_MONTH:,}, {QUICK_CITY:,} with --quick)")
    parser.add_argument("--only", default=None, metavar="GOALS",
                        help="comma-separated subset of: " + ", ".join(SECTIONS) + " (default: all)")
    args = parser.parse_args(argv)
    wanted = set(SECTIONS) if not args.only else {name.strip() for name in args.only.split(",")}
    unknown = wanted - set(SECTIONS)
    if unknown:
        parser.error(f"--only: unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    started = time.perf_counter()
    print(f"# yiwang benchmarks ({'quick' if args.quick else 'full'} run)")
    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores, command: python -m bench {' '.join(argv or sys.argv[1:])}")
    verdicts: list[tuple] = []
    for name, database, measure, report, judge in _plan(args):
        if name not in wanted or (database and not args.postgres):
            continue
        result = measure()
        print()
        print(report(result), flush=True)
        verdicts += judge(result)
    print()
    print(summary(verdicts, time.perf_counter() - started, postgres=bool(args.postgres)))
    return 0


def _plan(args) -> list[tuple]:
    """The sections in running order: (name, needs PostgreSQL, measure, report, verdicts)."""
    url = city_month.bench_database(args.postgres) if args.postgres else None
    quick = args.quick
    cases = args.city_cases or (QUICK_CITY if quick else CITY_MONTH)
    forms_report = lambda result: "## form validation\n\n```\n" + forms_bench.report(result) + "\n```"  # noqa: E731
    return [
        ("steps", False, lambda: engine_bench.run(None, quick=quick),
         lambda r: engine_bench.report("SQLite (embedded default)", r), lambda r: engine_bench.verdicts("SQLite", r)),
        ("growth", False, lambda: growth_bench.run(None, quick=quick),
         lambda r: growth_bench.report("SQLite", r), lambda r: growth_bench.verdicts("SQLite", r)),
        ("steps", True, lambda: engine_bench.run(url, quick=quick),
         lambda r: engine_bench.report("PostgreSQL", r), lambda r: engine_bench.verdicts("PostgreSQL", r)),
        ("growth", True, lambda: growth_bench.run(url, quick=quick),
         lambda r: growth_bench.report("PostgreSQL", r), lambda r: growth_bench.verdicts("PostgreSQL", r)),
        ("worklist", True, lambda: worklist_bench.measure(url, large=100_000 if quick else 1_000_000),
         worklist_bench.report, worklist_bench.verdicts),
        ("http", True, lambda: http_bench.measure(url, tasks=200 if quick else 1000, clerks=50), http_bench.report, http_bench.verdicts),
        ("city", True, lambda: city_month.run(args.postgres, cases=cases, redis_url=args.redis),
         city_month.report, city_month.verdicts),
        ("forms", False, lambda: forms_bench.measure(300 if quick else 2000), forms_report, forms_bench.verdicts),
        ("deploy", False, lambda: deploy_bench.run(quick=quick), deploy_bench.report, deploy_bench.verdicts),
    ]


def summary(verdicts: list[tuple], elapsed: float, *, postgres: bool) -> str:
    lines = ["## goals (ratios within this run)", "", "| goal | measured | bound | verdict |", "|---|---|---|---|"]
    for goal, ratio, bound, met in verdicts:
        verdict = "reported" if met is None else ("MET" if met else "NOT MET")
        shown = f"{ratio:.2f}x" if ratio >= 0.1 else f"{ratio:.3f}x"
        lines.append(f"| {goal} | {shown} | {bound} | {verdict} |")
    if not postgres:
        lines.append("| 3, 4, 5 (PostgreSQL only) | - | - | not run: give --postgres URL |")
    lines += ["", f"Whole run: {elapsed / 60:.1f} min."]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
