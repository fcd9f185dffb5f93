"""SIGKILL the process that is completing tasks, at many random points.

Afterwards every instance must load, and its workflow state, its task index and its
history must agree: each step is all there or not there at all.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from SpiffWorkflow.util.task import TaskState

from engine.instance_store import load
from engine.models import HistoryEvent, WorkTask
from engine.task_kinds import human_kind
from support.engine_kit import deploy_files, start
from support.paths import REPO

LOOP = REPO / "bench" / "data" / "loop_approval.bpmn"
STEPPER = Path(__file__).with_name("stepper.py")
KILLS = int(os.environ.get("YIWANG_CHAOS_KILLS", "15"))


def check_consistent(env, instance_id: str) -> int:
    env.instances.clear()
    with env.unit_of_work() as uow:
        wf = load(uow, instance_id).workflow
        ready = {str(t.id) for t in wf.get_tasks(state=TaskState.READY) if human_kind(t.task_spec)}
        # Every task of the tree: SpiffWorkflow's get_tasks() walk stops at depth 1000, and a loop
        # that went round a few hundred times is deeper than that.
        done = sum(1 for t in wf.tasks.values() if t.state == TaskState.COMPLETED and human_kind(t.task_spec))
        indexed_ready = set(uow.session.scalars(
            select(WorkTask.id).where(WorkTask.instance_id == instance_id, WorkTask.state == "ready")))
        indexed_done = uow.session.scalar(select(func.count()).select_from(WorkTask).where(
            WorkTask.instance_id == instance_id, WorkTask.state == "completed"))
        logged = uow.session.scalar(select(func.count()).select_from(HistoryEvent).where(
            HistoryEvent.instance_id == instance_id, HistoryEvent.action == "task.completed"))
    assert ready == indexed_ready
    assert done == indexed_done == logged
    return done


def test_killing_the_worker_at_random_points_never_leaves_half_a_step(env, db_engine):
    deploy_files(env, LOOP)
    cases = [start(env, "loop_approval") for _ in range(4)]
    url = db_engine.url.render_as_string(hide_password=False)
    rng = random.Random(20261121)
    for _ in range(KILLS):
        victim = subprocess.Popen([sys.executable, str(STEPPER), url], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        # Killed at a random point once it is stepping (its start-up time depends on the machine's load).
        assert victim.stdout.readline().strip() == "stepping"
        time.sleep(rng.uniform(0.1, 1.1))  # mid-step most of the time
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        victim.stdout.close()
    steps = sum(check_consistent(env, case) for case in cases)
    assert steps > KILLS  # the stepper really worked between kills
