"""Error and escalation start events of event subprocesses: refusals and escalations to a superior.

An error thrown in a (sub)process starts the error event subprocess of the innermost scope
that has one (interrupting the rest of that scope); an escalation starts an escalation event
subprocess, alongside the work when it is non-interrupting.
"""

from __future__ import annotations

import pytest

from engine.errors import TaskNotReady
from support.engine_kit import assert_survives_restart, complete, deploy_files, history, instance, one_ready, ready, start
from support.paths import DATA

CONSTRUCTS = DATA / "engine" / "constructs"


def deployed(env, name: str) -> str:
    deploy_files(env, CONSTRUCTS / f"{name}.bpmn")
    return name


def ready_elements(env, instance_id: str) -> list[str]:
    return sorted(t["element_id"] for t in ready(env, instance_id))


def started_event_subprocesses(env, instance_id: str) -> list[tuple[str, str, bool]]:
    return [(h["element_id"], h["details"]["start_event"], h["details"]["interrupting"])
            for h in history(env, instance_id) if h["action"] == "event_subprocess.started"]


def test_a_refusal_thrown_as_an_error_starts_the_error_event_subprocess_that_notifies_the_applicant(env):
    case = start(env, deployed(env, "event_subprocess_error"), {"applicant": "zhang3"})
    assert_survives_restart(env, case)

    complete(env, one_ready(env, case, "review"), {"approved": False})

    assert ready_elements(env, case) == ["notify_refusal"]
    assert started_event_subprocesses(env, case) == [("on_refusal", "refusal_caught", True)]
    assert instance(env, case)["status"] == "running"
    assert_survives_restart(env, case)
    complete(env, one_ready(env, case, "notify_refusal"))
    assert instance(env, case)["status"] == "completed"


def test_an_approval_ends_the_case_and_the_error_event_subprocess_never_starts(env):
    case = start(env, deployed(env, "event_subprocess_error"))
    complete(env, one_ready(env, case, "review"), {"approved": True})
    assert instance(env, case)["status"] == "completed"
    assert started_event_subprocesses(env, case) == []


def test_an_escalation_from_inside_the_assessment_brings_in_the_superior_alongside(env):
    case = start(env, deployed(env, "event_subprocess_escalation"), {"need_superior": True})

    assert ready_elements(env, case) == ["assess_task", "superior_review"]
    assert started_event_subprocesses(env, case) == [("to_superior", "escalated", False)]
    assert_survives_restart(env, case)
    complete(env, one_ready(env, case, "assess_task"))
    assert instance(env, case)["status"] == "running"  # the superior's review keeps the case open
    complete(env, one_ready(env, case, "superior_review"))
    assert instance(env, case)["status"] == "completed"


def test_without_an_escalation_the_superior_is_never_asked(env):
    case = start(env, deployed(env, "event_subprocess_escalation"), {"need_superior": False})
    assert ready_elements(env, case) == ["assess_task"]
    complete(env, one_ready(env, case, "assess_task"))
    assert instance(env, case)["status"] == "completed"


def test_an_error_is_handled_by_the_innermost_scope_with_an_error_event_subprocess(env):
    case = start(env, deployed(env, "event_subprocess_error_scopes"))
    review = one_ready(env, case, "inner_review")

    complete(env, review, {"complete": False})

    assert ready_elements(env, case) == ["inner_fix"]
    assert started_event_subprocesses(env, case) == [("inner_handler", "inner_caught", True)]
    with pytest.raises(TaskNotReady):
        complete(env, review, {})
    assert_survives_restart(env, case)
    complete(env, one_ready(env, case, "inner_fix"))
    assert ready_elements(env, case) == ["after"]  # the check ended through its handler; the case goes on
    complete(env, one_ready(env, case, "after"))
    assert instance(env, case)["status"] == "completed"
