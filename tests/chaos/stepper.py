"""Completes ready tasks forever (until killed): the victim of test_kill_mid_step.

Usage: python stepper.py DATABASE_URL
"""

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine import queries, runtime  # noqa: E402
from engine.actors import Actor  # noqa: E402
from engine.config import EngineConfig  # noqa: E402
from engine.environment import EngineEnv  # noqa: E402
from engine.errors import EngineError  # noqa: E402


def main(url: str) -> None:
    env = EngineEnv(EngineConfig(database_url=url, jobs="inline"))
    actor = Actor.system("stepper")
    print("stepping", flush=True)  # started: the test kills it at a random point from now on
    while True:
        with env.unit_of_work() as uow:
            tasks = queries.list_tasks(uow, queries.TaskFilter(limit=50))
        if not tasks:
            return
        task = random.choice(tasks)
        try:
            runtime.complete_task(env.unit_of_work(), task["id"], {"finished": False}, actor=actor)
        except EngineError:
            pass


if __name__ == "__main__":
    main(sys.argv[1])
