"""``python -m bench [--quick] [--postgres URL]``: run the benchmarks, print ratios.

Prints Markdown tables ready to paste into docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import datetime, timezone

from . import engine_bench, forms_bench, http_bench, worklist_bench


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="reduced sizes (CI smoke run)")
    parser.add_argument("--postgres", default=os.environ.get("YIWANG_BENCH_POSTGRES_URL"),
                        help="also run on this PostgreSQL URL (its tables are dropped and recreated)")
    args = parser.parse_args(argv)
    print(f"# yiwang benchmarks ({'quick' if args.quick else 'full'} run)")
    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores, command: python -m bench {' '.join(argv or sys.argv[1:])}")
    print()
    print(engine_bench.report("SQLite (embedded default)", engine_bench.run(None, quick=args.quick)))
    if args.postgres:
        print()
        print(engine_bench.report("PostgreSQL", engine_bench.run(args.postgres, quick=args.quick)))
        print()
        print(worklist_bench.run(args.postgres, large=100_000 if args.quick else 1_000_000))
        print()
        print(http_bench.run(args.postgres, tasks=200, clerks=50))
    print()
    print("## form validation")
    print()
    print("```")
    forms_bench.main(["--runs", "300" if args.quick else "2000"])
    print("```")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
