"""``python -m bench.city_worker``: ``yiwang worker`` with the city-month bench's job handler loaded.

The same loop as the production worker (:func:`api.worker.run_worker` on the engine
:func:`api.wiring.build_env` wires from ``YIWANG_*``), plus :mod:`bench.city_month`
imported so the worker knows the bench's ``bench_city_case`` job.
"""

from __future__ import annotations

import logging


def main() -> None:
    from api.wiring import build_env
    from api.worker import run_worker
    from engine.config import EngineConfig

    from . import city_month  # noqa: F401 - registers the case job

    logging.basicConfig(level=logging.WARNING)
    run_worker(build_env(EngineConfig.from_env(), create_schema=False))


if __name__ == "__main__":
    main()
