"""A file saved by Camunda Modeler 7 (camunda:* attributes, JUEL conditions, camunda:collection) runs unchanged."""

from __future__ import annotations

import pytest

from support.paths import DATA
from engine.actors import Actor
from support.engine_kit import (
    assert_survives_restart,
    complete,
    deploy_files,
    instance,
    one_ready,
    ready,
    start,
)

BPMN = DATA / "engine" / "constructs" / "camunda_modeler.bpmn"
DEPARTMENTS = ["market", "fire"]


@pytest.fixture
def issued(env) -> list[dict]:
    """Data the "licence.issue" connector (camunda:topic) was called with."""
    calls = []
    env.connectors.register("licence.issue", lambda params, data: calls.append(dict(data)) or {"licence_no": "L-1"})
    return calls


def test_a_camunda_modeler_file_deploys_as_saved_and_runs_acceptance_countersign_and_issue(env, issued):
    result = deploy_files(env, BPMN)
    assert [(p.process_id, p.version) for p in result.processes] == [("camunda_modeler", 1)]
    assert "Gateway_approved" in {w.element_id for w in result.warnings}  # no default flow: a warning only
    case = start(env, "camunda_modeler", {"applicant": "zhang3", "departments": DEPARTMENTS})

    accept = one_ready(env, case, "Activity_accept")
    assert (accept["candidate_groups"], accept["form_key"]) == (["window"], "acceptance")
    complete(env, accept, {"approved": True}, Actor.of("clerk1", "window"))

    reviews = ready(env, case, "Activity_review")
    assert sorted((t["loop_item"], tuple(t["candidate_groups"]), t["form_key"]) for t in reviews) == sorted(
        (d, (d,), "department_opinion") for d in DEPARTMENTS)
    assert_survives_restart(env, case)
    for review in reviews:
        complete(env, review, {"opinion": "同意"}, Actor.of(f"{review['loop_item']}1", review["loop_item"]))

    assert len(issued) == 1 and issued[0]["approved"] is True
    view = instance(env, case)
    assert view["status"] == "completed"
    assert view["data"]["spiff__Activity_issue_result"] == {"licence_no": "L-1"}


def test_a_camunda_modeler_file_sends_a_refusal_to_the_applicant(env, issued):
    deploy_files(env, BPMN)
    case = start(env, "camunda_modeler", {"applicant": "zhang3", "departments": DEPARTMENTS})

    complete(env, one_ready(env, case, "Activity_accept"), {"approved": False})

    notify = one_ready(env, case, "Activity_notify")
    assert (notify["assignee"], ready(env, case, "Activity_review")) == ("zhang3", [])
    assert_survives_restart(env, case)
    complete(env, notify, {}, Actor.of("zhang3"))
    assert instance(env, case)["status"] == "completed"
    assert issued == []
