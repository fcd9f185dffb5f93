"""Two workers stepping the same instance: exactly one wins, the other changes nothing."""

from __future__ import annotations

import threading
from uuid import UUID

import pytest

from engine import approval_actions, instance_store, runtime
from engine.errors import Conflict, TaskNotReady
from engine.models import WorkTask
from support.engine_kit import SYSTEM, complete, deploy_files, history, one_ready, ready, snapshot, start
from support.paths import EXAMPLES

BPMN = EXAMPLES / "one_window_approval" / "one_window_approval.bpmn"
START = {"applicant": "zhang3", "departments": ["market", "fire", "environment"]}


def test_a_step_based_on_a_stale_instance_is_refused_and_stores_nothing(make_env):
    first, second = make_env(), make_env()  # two processes: separate caches, one database
    deploy_files(first, BPMN)
    case = start(first, "one_window_approval", START)
    complete(first, one_ready(first, case, "accept"), {"acceptance": "accept"})
    market, fire, _ = sorted(ready(first, case, "review"), key=lambda t: t["loop_item"] or "")

    with first.unit_of_work() as slow:
        stale = instance_store.load(slow, case)  # read before the other worker's step
        complete(second, fire, {"opinion": {"approved": True}})
        after_second = snapshot(second, case)
        task = stale.workflow.get_task_from_id(UUID(market["id"]))
        task.data.update({"opinion": {"approved": True}})
        task.run()
        with pytest.raises(Conflict):
            instance_store.save(slow, stale)
    assert snapshot(first, case) == after_second
    assert market["id"] in {t["id"] for t in ready(first, case, "review")}


@pytest.mark.parametrize("workers", [8])
def test_many_clerks_completing_one_task_at_once_complete_it_exactly_once(make_env, workers):
    envs = [make_env() for _ in range(workers)]
    deploy_files(envs[0], BPMN)
    case = start(envs[0], "one_window_approval", START)
    accept = one_ready(envs[0], case, "accept")
    for env in envs:  # every worker has the instance cached, as busy workers would
        ready(env, case)
    barrier = threading.Barrier(workers)
    outcomes = []

    def clerk(env):
        barrier.wait()
        try:
            complete(env, accept, {"acceptance": "accept"}, SYSTEM)
            outcomes.append("ok")
        except (Conflict, TaskNotReady) as err:
            outcomes.append(type(err).__name__)

    threads = [threading.Thread(target=clerk, args=(env,)) for env in envs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes.count("ok") == 1, outcomes
    assert len(outcomes) == workers
    completions = [h for h in history(envs[0], case) if h["action"] == "task.completed"]
    assert len(completions) == 1
    assert len(ready(envs[0], case, "review")) == 3


ACTIONS = {
    "complete": lambda uow, task_id: runtime.complete_task(uow, task_id, {"opinion": {"approved": True}},
                                                           actor=SYSTEM),
    "return": lambda uow, task_id: approval_actions.return_task(uow, task_id, to_element_id="accept",
                                                                actor=SYSTEM, reason="材料不全"),
    "remove_countersigner": lambda uow, task_id: approval_actions.remove_countersigner(uow, task_id, actor=SYSTEM),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_an_action_on_a_task_that_a_concurrent_return_removed_is_refused_and_stores_nothing(make_env, action):
    """The task's index row is read (the access check) just before another worker's return
    takes the task out of the case: the action answers "no longer ready", not a crash."""
    first, second = make_env(), make_env()
    deploy_files(first, BPMN)
    case = start(first, "one_window_approval", START)
    complete(first, one_ready(first, case, "accept"), {"acceptance": "accept"})
    market, fire, _ = sorted(ready(first, case, "review"), key=lambda t: t["loop_item"] or "")

    with first.unit_of_work() as slow:
        row = slow.session.get(WorkTask, market["id"])  # kept: the identity map holds it weakly
        assert row.state == "ready"
        approval_actions.return_task(second.unit_of_work(), fire["id"], to_element_id="accept", actor=SYSTEM,
                                     reason="材料不全")
        after_return = snapshot(second, case)
        with pytest.raises(TaskNotReady, match="no longer"):
            ACTIONS[action](slow, market["id"])
    assert snapshot(first, case) == after_return
    assert [t["element_id"] for t in ready(first, case)] == ["accept"]
