"""转办, 退回, 撤回, 加签, 减签 and 抄送 on the one-window example."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import approval_actions as actions
from engine import runtime
from engine.actors import Actor
from engine.errors import NotAllowed, TaskNotReady
from engine.models import InstanceCopy
from support.engine_kit import (
    assert_survives_restart,
    complete,
    deploy_files,
    history,
    instance,
    one_ready,
    ready,
    start,
)
from support.paths import EXAMPLES

BPMN = EXAMPLES / "one_window_approval" / "one_window_approval.bpmn"
CLERK, CLERK_2 = Actor.of("clerk1", "window"), Actor.of("clerk2", "window")
MARKET, FIRE = Actor.of("m1", "market"), Actor.of("f1", "fire")


@pytest.fixture
def case(env):
    deploy_files(env, BPMN)
    return start(env, "one_window_approval", {"applicant": "zhang3", "departments": ["market", "fire"]})


def accept(env, case, actor=CLERK):
    complete(env, one_ready(env, case, "accept"), {"acceptance": "accept"}, actor)


def review(env, case, department):
    return next(t for t in ready(env, case, "review") if t["loop_item"] == department)


def actions_of(env, case):
    return [h["action"] for h in history(env, case)]


def test_a_transferred_task_belongs_to_the_new_holder_only(env, case):
    task = one_ready(env, case, "accept")
    actions.transfer_task(env.unit_of_work(), task["id"], to_user="clerk2", actor=CLERK, reason="轮休")
    assert one_ready(env, case, "accept")["assignee"] == "clerk2"
    with pytest.raises(NotAllowed):
        complete(env, task, {"acceptance": "accept"}, CLERK)
    complete(env, task, {"acceptance": "accept"}, CLERK_2)
    assert "task.transferred" in actions_of(env, case)


def test_returning_a_review_reopens_acceptance_for_the_clerk_who_did_it(env, case):
    accept(env, case)
    market = review(env, case, "market")
    complete(env, review(env, case, "fire"), {"opinion": {"approved": True}}, FIRE)
    reopened = actions.return_task(env.unit_of_work(), market["id"], to_element_id="accept",
                                   actor=MARKET, reason="材料与现场不符")
    assert_survives_restart(env, case)
    again = one_ready(env, case, "accept")
    assert (again["id"], again["assignee"]) == (reopened, "clerk1")
    assert ready(env, case, "review") == []
    with pytest.raises(TaskNotReady):
        complete(env, market, {"opinion": {"approved": True}}, MARKET)
    accept(env, case)
    assert len(ready(env, case, "review")) == 2
    event = next(h for h in history(env, case) if h["action"] == "task.returned")
    assert event["details"]["reason"] == "材料与现场不符"


def test_returning_to_a_step_that_is_not_behind_the_task_is_refused(env, case):
    accept(env, case)
    with pytest.raises(actions.ActionRefused):
        actions.return_task(env.unit_of_work(), review(env, case, "market")["id"], to_element_id="decide",
                            actor=MARKET, reason="x")
    assert len(ready(env, case, "review")) == 2


def test_the_sender_can_withdraw_until_the_next_step_is_taken_up(env, case):
    accept_task = one_ready(env, case, "accept")
    accept(env, case)
    actions.withdraw_task(env.unit_of_work(), accept_task["id"], actor=CLERK, reason="选错部门")
    assert_survives_restart(env, case)
    assert one_ready(env, case, "accept")["assignee"] == "clerk1"
    assert ready(env, case, "review") == []

    accept(env, case)
    runtime.claim_task(env.unit_of_work(), review(env, case, "market")["id"], actor=MARKET)
    with pytest.raises(actions.ActionRefused):
        actions.withdraw_task(env.unit_of_work(), accept_task["id"], actor=CLERK)
    with pytest.raises(NotAllowed):
        actions.withdraw_task(env.unit_of_work(), accept_task["id"], actor=CLERK_2)
    assert len(ready(env, case, "review")) == 2


def test_a_department_can_be_added_to_and_removed_from_a_running_countersign(env, case):
    accept(env, case)
    added = actions.add_countersigner(env.unit_of_work(), case, "review", "planning", actor=CLERK)
    assert_survives_restart(env, case)
    assert sorted(t["loop_item"] for t in ready(env, case, "review")) == ["fire", "market", "planning"]
    actions.remove_countersigner(env.unit_of_work(), review(env, case, "market")["id"], actor=CLERK, reason="不涉及")
    assert_survives_restart(env, case)
    assert sorted(t["loop_item"] for t in ready(env, case, "review")) == ["fire", "planning"]

    complete(env, review(env, case, "fire"), {"opinion": {"approved": True}}, FIRE)
    with pytest.raises(actions.ActionRefused):
        actions.remove_countersigner(env.unit_of_work(), added, actor=CLERK)
    complete(env, added, {"opinion": {"approved": True}}, Actor.of("p1", "planning"))
    decide = one_ready(env, case, "decide")
    complete(env, decide, {"decision": "approve"})
    complete(env, one_ready(env, case, "issue"), {"delivery": "window"})
    view = instance(env, case)
    assert view["status"] == "completed"
    assert len(view["data"]["opinions"]) == 2


def test_copies_are_recorded_for_each_person_and_group(env, case):
    made = actions.copy_to(env.unit_of_work(), case, users=["director"], groups=["supervision"], actor=CLERK,
                           note="重点项目")
    assert made == 2
    with env.unit_of_work() as uow:
        rows = uow.session.execute(select(InstanceCopy.to_user, InstanceCopy.to_group)
                                   .where(InstanceCopy.instance_id == case)).all()
    assert set(rows) == {("director", None), (None, "supervision")}
    assert "case.copied" in actions_of(env, case)
