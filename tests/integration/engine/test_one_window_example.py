"""The one-window parallel approval example, start to finish, with restarts in the middle."""

from __future__ import annotations

import pytest

from engine.actors import Actor
from engine.errors import NotAllowed, TaskNotReady
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
DEPARTMENTS = ["market", "fire", "environment"]


@pytest.fixture
def case(env):
    deploy_files(env, BPMN)
    return start(env, "one_window_approval", {"applicant": "zhang3", "departments": DEPARTMENTS},
                 business_key="ZW-2026-0001")


def test_a_case_runs_from_window_through_corrections_and_countersign_to_issue(env, case):
    accept = one_ready(env, case, "accept")
    assert accept["candidate_groups"] == ["window"]
    assert accept["due_at"] is not None
    complete(env, accept, {"acceptance": "correct"}, Actor.of("clerk1", "window"))
    assert_survives_restart(env, case)

    correction = one_ready(env, case, "correct")
    assert correction["assignee"] == "zhang3"
    complete(env, correction, {"supplement": "营业执照副本"}, Actor.of("zhang3"))
    complete(env, one_ready(env, case, "accept"), {"acceptance": "accept"}, Actor.of("clerk1", "window"))

    reviews = ready(env, case, "review")
    assert sorted(t["loop_item"] for t in reviews) == sorted(DEPARTMENTS)
    assert sorted(g for t in reviews for g in t["candidate_groups"]) == sorted(DEPARTMENTS)
    for review in reviews:
        assert_survives_restart(env, case)
        dept = review["loop_item"]
        complete(env, review, {"opinion": {"approved": True, "by": dept}}, Actor.of(f"{dept}1", dept))

    decide = one_ready(env, case, "decide")
    complete(env, decide, {"decision": "approve"}, Actor.of("lead1", "lead"))
    complete(env, one_ready(env, case, "issue"), {"delivery": "window"}, Actor.of("clerk2", "window"))

    view = instance(env, case)
    assert view["status"] == "completed"
    assert len(view["data"]["opinions"]) == 3
    assert [h["action"] for h in history(env, case)].count("task.completed") == 8


def test_one_department_veto_ends_the_countersign_early(env, case):
    complete(env, one_ready(env, case, "accept"), {"acceptance": "accept"})
    first, *others = ready(env, case, "review")
    complete(env, first, {"opinion": {"approved": False, "reason": "消防不合格"}})
    assert ready(env, case, "review") == []
    complete(env, one_ready(env, case, "decide"), {"decision": "refuse"})
    assert instance(env, case)["status"] == "completed"
    with pytest.raises(TaskNotReady):
        complete(env, others[0], {"opinion": {"approved": True}})


def test_a_department_cannot_work_another_departments_review(env, case):
    complete(env, one_ready(env, case, "accept"), {"acceptance": "accept"})
    fire_review = next(t for t in ready(env, case, "review") if t["loop_item"] == "fire")
    with pytest.raises(NotAllowed):
        complete(env, fire_review, {"opinion": {"approved": True}}, Actor.of("m1", "market"))
    assert fire_review["id"] in {t["id"] for t in ready(env, case, "review")}


def test_refusal_to_accept_ends_the_case_without_review(env, case):
    complete(env, one_ready(env, case, "accept"), {"acceptance": "refuse"})
    assert instance(env, case)["status"] == "completed"
    assert ready(env, case) == []
