"""``python -m bench [--quick] [--postgres URL]``: run the benchmarks of issue 7, print ratios.

Prints Markdown tables ready to paste into docs/performance.md, then one summary
table: each goal's ratio (taken within this run) next to its bound, MET / NOT MET.
With ``--postgres`` the PostgreSQL-only goals run too (department queues, HTTP, the
city's month); they use database ``yiwang_bench`` on that server (created when
missing) so other users of the given database are left alone.
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="reduced sizes (CI smoke run)")
    parser.add_argument("--postgres", default=os.environ.get("YIWANG_BENCH_POSTGRES_URL"),
                        help="also run on this PostgreSQL server (the bench works in database yiwang_bench)")
    parser.add_argument("--redis", default=os.environ.get("YIWANG_BENCH_REDIS_URL", city_month.REDIS_URL),
                        help="Redis database for the city's month (flushed at its start)")
    parser.add_argument("--city-cases", type=int, default=None,
                        help=f"cases in the city's month (default {CITY_MONTH:,}, {QUICK_CITY:,} with --quick)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(f"# yiwang benchmarks ({'quick' if args.quick else 'full'} run)")
    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores, command: python -m bench {' '.join(argv or sys.argv[1:])}")
    verdicts: list[tuple] = []

    def section(text: str) -> None:
        print()
        print(text, flush=True)

    result = engine_bench.run(None, quick=args.quick)
    section(engine_bench.report("SQLite (embedded default)", result))
    verdicts += engine_bench.verdicts("SQLite", result)
    result = growth_bench.run(None, quick=args.quick)
    section(growth_bench.report("SQLite", result))
    verdicts += growth_bench.verdicts("SQLite", result)
    if args.postgres:
        url = city_month.bench_database(args.postgres)
        result = engine_bench.run(url, quick=args.quick)
        section(engine_bench.report("PostgreSQL", result))
        verdicts += engine_bench.verdicts("PostgreSQL", result)
        result = growth_bench.run(url, quick=args.quick)
        section(growth_bench.report("PostgreSQL", result))
        verdicts += growth_bench.verdicts("PostgreSQL", result)
        result = worklist_bench.measure(url, large=100_000 if args.quick else 1_000_000)
        section(worklist_bench.report(result))
        verdicts += worklist_bench.verdicts(result)
        result = http_bench.measure(url, tasks=200, clerks=50)
        section(http_bench.report(result))
        verdicts += http_bench.verdicts(result)
        cases = args.city_cases or (QUICK_CITY if args.quick else CITY_MONTH)
        result = city_month.run(args.postgres, cases=cases, redis_url=args.redis)
        section(city_month.report(result))
        verdicts += city_month.verdicts(result)
    result = forms_bench.measure(300 if args.quick else 2000)
    section("## form validation\n\n```\n" + forms_bench.report(result) + "\n```")
    verdicts += forms_bench.verdicts(result)
    result = deploy_bench.run(quick=args.quick)
    section(deploy_bench.report(result))
    verdicts += deploy_bench.verdicts(result)
    section(summary(verdicts, time.perf_counter() - started, postgres=bool(args.postgres)))
    return 0


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
