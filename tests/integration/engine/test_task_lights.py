"""Counts by warning light equal a brute-force count over the task index, whatever happened before."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

from sqlalchemy import func, select
from support.engine_kit import SYSTEM, deploy_files, ready
from support.paths import DATA

from engine import approval_actions, runtime, task_lights
from engine.approval_actions import ActionRefused
from engine.calendar import WorkingCalendar
from engine.errors import Conflict, EngineError
from engine.models import (
    TaskLightCount,
    TaskLightDelta,
    WorkTask,
    WorkTaskCandidate,
    utcnow,
)
from processes.deadlines import step_clock

BPMN = DATA / "task_lights" / "light_mix.bpmn"
GROUPS = ("intake_a", "intake_b", "d1", "d2", "d3", "d4", "lead", "archive")
SHARE = 0.5
LATER = (0, 1, 2, 4, 6, 9, 15, 30)  # days after now at which the lights are compared


def brute_force(env, group: str, now) -> dict[str, int]:
    """Every open task of the group, its light worked out one by one as supervision does."""
    calendar = WorkingCalendar()
    counts = dict.fromkeys(task_lights.LIGHTS, 0)
    with env.unit_of_work() as uow:
        tasks = uow.session.scalars(select(WorkTask).join(WorkTaskCandidate, WorkTaskCandidate.task_id == WorkTask.id)
                                    .where(WorkTaskCandidate.group_name == group,
                                           WorkTaskCandidate.state == "ready")).all()
        for task in tasks:
            clock = step_clock(task, [], calendar, now)
            counts["green" if clock is None else clock.light(now, SHARE)] += 1
    return counts


def counted(env, group: str, now) -> dict[str, int]:
    with env.unit_of_work() as uow:
        return task_lights.counts_by_light(uow, group, yellow_share=SHARE, now=now, calendar=WorkingCalendar())


def compact(env) -> int:
    with env.unit_of_work() as uow:
        folded = task_lights.compact(uow)
        uow.commit()
    return folded


def assert_counts_match(env) -> set[str]:
    """Compare every group at several moments; returns the lights seen (so a test knows it saw them all)."""
    now, seen = utcnow(), set()
    for days in LATER:
        moment = now + timedelta(days=days, hours=3)
        for group in GROUPS:
            expected = brute_force(env, group, moment)
            assert counted(env, group, moment) == expected, (group, days)
            seen.update(light for light, n in expected.items() if n)
    return seen


def start_case(env, rng: random.Random) -> str:
    data = {"intake": rng.choice(("intake_a", "intake_b")),
            "due": (utcnow() + timedelta(hours=rng.randrange(1, 24 * 20))).isoformat(),
            "departments": rng.sample(["d1", "d2", "d3", "d4"], rng.randrange(1, 5))}
    return runtime.start_instance(env.unit_of_work(), process_id="light_mix", data=data, actor=SYSTEM)


def random_action(env, rng: random.Random, cases: list[str]) -> None:
    tasks = [t for case in rng.sample(cases, min(3, len(cases))) for t in ready(env, case)]
    if not tasks:
        return
    task, roll = rng.choice(tasks), rng.random()
    try:
        if roll < 0.55:
            data = {"opinion": "ok"} if task["element_id"] == "review" else {}
            runtime.complete_task(env.unit_of_work(), task["id"], data, actor=SYSTEM)
        elif roll < 0.7:
            approval_actions.transfer_task(env.unit_of_work(), task["id"], to_user=f"u{rng.randrange(9)}",
                                           actor=SYSTEM)
        elif roll < 0.85 and task["element_id"] in ("review", "decide", "archive"):
            approval_actions.return_task(env.unit_of_work(), task["id"], to_element_id="triage", actor=SYSTEM,
                                         reason="materials")
        elif task["element_id"] == "review":
            approval_actions.remove_countersigner(env.unit_of_work(), task["id"], actor=SYSTEM)
    except ActionRefused:
        pass  # e.g. the last open countersigner: nothing changed


def test_counts_by_light_equal_a_brute_force_count_after_a_random_mix_of_steps(env):
    deploy_files(env, BPMN)
    rng = random.Random(20261122)
    cases: list[str] = []
    for round_ in range(6):
        cases += [start_case(env, rng) for _ in range(8)]
        for _ in range(30):
            random_action(env, rng, cases)
        if round_ % 2:
            compact(env)  # some rounds leave their deltas pending
        assert_counts_match(env)
    compact(env)
    with env.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(TaskLightDelta)) == 0
        assert uow.session.scalar(select(func.count()).select_from(TaskLightCount)
                                  .where(TaskLightCount.n <= 0)) == 0
    assert assert_counts_match(env) == set(task_lights.LIGHTS)


def test_compacting_twice_changes_nothing(env):
    deploy_files(env, BPMN)
    rng = random.Random(3)
    for _ in range(5):
        start_case(env, rng)
    before = {g: counted(env, g, utcnow()) for g in GROUPS}
    assert compact(env) > 0
    assert compact(env) == 0
    assert {g: counted(env, g, utcnow()) for g in GROUPS} == before


def test_counts_stay_exact_while_several_processes_step_and_compact_at_once(make_env):
    """Workers of several processes step the same departments while a compactor runs."""
    envs = [make_env() for _ in range(3)]
    deploy_files(envs[0], BPMN)
    rng = random.Random(11)
    cases = [start_case(envs[0], rng) for _ in range(24)]
    stop, failures = threading.Event(), []

    def worker(env, seed: int) -> None:
        local = random.Random(seed)
        try:
            for _ in range(25):
                try:
                    random_action(env, local, cases)
                except (Conflict, EngineError):
                    pass  # another worker stepped the same case first: nothing stored
        except Exception as err:  # noqa: BLE001 - reported below
            failures.append(err)

    def compactor() -> None:
        try:
            while not stop.is_set():
                compact(envs[2])
        except Exception as err:  # noqa: BLE001 - reported below
            failures.append(err)

    threads = [threading.Thread(target=worker, args=(env, n)) for n, env in enumerate(envs)]
    background = threading.Thread(target=compactor)
    background.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    background.join()
    assert failures == []
    assert_counts_match(envs[0])
    compact(envs[0])
    assert_counts_match(envs[0])
