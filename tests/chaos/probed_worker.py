"""``yiwang worker`` with probes: the victim of test_kill_worker.

Usage: YIWANG_TEST_PROBE_DIR=DIR YIWANG_DATABASE_URL=... python probed_worker.py

The worker is built and run exactly as ``yiwang worker`` does it; on top it installs
a slow ``licence.issue`` connector that appends every call to ``DIR/calls.jsonl``,
and pause points. A test arms a point by creating ``DIR/arm-<point>``; the first
worker to reach that point takes the file, writes ``DIR/paused-<pid>`` and sleeps
until it is killed. Points: ``<job kind>:claimed`` (the job's lease is taken, its
handler not started), ``run_task:connector`` (inside the connector call) and
``<job kind>:uncommitted`` (the handler's writes are flushed but not committed).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from api.wiring import build_env  # noqa: E402
from api.worker import run_worker  # noqa: E402
from engine import jobs  # noqa: E402
from engine.config import EngineConfig  # noqa: E402

PROBES = Path(os.environ["YIWANG_TEST_PROBE_DIR"])
CONNECTOR_S = 0.2
# The job the main thread is running: the connector API passes no task id, so the
# probe takes it from the handler's arguments to label each call.
running: dict[str, str] = {}


def pause_if_armed(point: str) -> None:
    try:  # rename is atomic: one worker takes the arm, the others go on
        os.rename(PROBES / f"arm-{point}", PROBES / f"taken-{point}-{os.getpid()}")
    except FileNotFoundError:
        return
    note = PROBES / f"paused-{os.getpid()}"
    note.with_suffix(".tmp").write_text(json.dumps({"point": point, **running}))
    note.with_suffix(".tmp").rename(note)
    time.sleep(600)


def probe(kind: str) -> None:
    handle = jobs.HANDLERS[kind]

    def probed(uow, **args) -> None:
        running.clear()
        running.update(args, kind=kind)
        pause_if_armed(f"{kind}:claimed")
        handle(uow, **args)
        uow.session.flush()
        pause_if_armed(f"{kind}:uncommitted")

    jobs.handler(kind)(probed)


def issue_licence(params: dict, data: dict) -> dict:
    with open(PROBES / "calls.jsonl", "a", encoding="utf-8") as log:
        log.write(json.dumps({"pid": os.getpid(), "instance_id": running.get("instance_id"),
                              "task_id": running.get("task_id"), "holder": params.get("holder")},
                             ensure_ascii=False) + "\n")
    pause_if_armed("run_task:connector")
    time.sleep(CONNECTOR_S)
    return {"licence_no": f"L-{os.getpid()}"}


def main() -> None:
    env = build_env(EngineConfig.from_env(jobs="rq"))
    env.connectors.register("licence.issue", issue_licence)
    for kind in ("run_task", "fire_timers"):
        probe(kind)
    (PROBES / f"ready-{os.getpid()}").touch()
    run_worker(env)


if __name__ == "__main__":
    main()
