"""Embedded subprocesses and call activities (bound to the latest version, or pinned to one)."""

from __future__ import annotations

import pytest

from support.paths import DATA
from engine import queries
from engine.errors import DeployRejected
from support.engine_kit import (
    assert_survives_restart,
    complete,
    deploy_files,
    instance,
    one_ready,
    ready,
    start,
)

CONSTRUCTS = DATA / "engine" / "constructs"


def deploy(env, *names: str):
    return deploy_files(env, *(CONSTRUCTS / f"{name}.bpmn" for name in names))


def ready_elements(env, instance_id: str) -> list[str]:
    return sorted(t["element_id"] for t in ready(env, instance_id))


def task_data(env, task: dict) -> dict:
    with env.unit_of_work() as uow:
        return queries.get_task(uow, task["id"], with_data=True)["data"]


def line_of(path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# -- embedded ---------------------------------------------------------------------
def test_an_embedded_subprocess_runs_its_steps_with_the_case_data_and_hands_its_data_back(env):
    deploy(env, "subprocess_embedded")
    case = start(env, "subprocess_embedded", {"applicant": "zhang3"})
    complete(env, one_ready(env, case, "accept"), {"address": "浦东新区"})

    inspect = one_ready(env, case, "inspect")
    assert inspect["candidate_groups"] == ["inspection"]
    assert task_data(env, inspect) == {"applicant": "zhang3", "address": "浦东新区"}
    assert_survives_restart(env, case)
    complete(env, inspect, {"site_ok": True})
    assert ready_elements(env, case) == ["report"]
    assert_survives_restart(env, case)
    complete(env, one_ready(env, case, "report"), {"report": "符合要求"})

    decide = one_ready(env, case, "decide")
    assert task_data(env, decide) == {"applicant": "zhang3", "address": "浦东新区", "site_ok": True,
                                      "report": "符合要求"}


def test_deploying_a_process_with_an_embedded_subprocess_publishes_only_the_process(env):
    result = deploy(env, "subprocess_embedded")
    assert_survives_restart(env, start(env, "subprocess_embedded"))

    assert [p.process_id for p in result.processes] == ["subprocess_embedded"]
    with env.unit_of_work() as uow:
        assert [d["process_id"] for d in queries.list_definitions(uow)] == ["subprocess_embedded"]


# -- call activities ----------------------------------------------------------------
def test_a_call_activity_runs_the_called_process_with_the_case_data_and_continues_after_it(env):
    deploy(env, "called_licence_v1")
    deploy(env, "call_latest")
    case = start(env, "call_latest", {"applicant": "zhang3"})

    print_licence = one_ready(env, case, "print_licence")
    assert print_licence["process_id"] == "call_latest"
    assert task_data(env, print_licence)["applicant"] == "zhang3"
    assert_survives_restart(env, case)
    complete(env, print_licence, {"licence_no": "L-001"})

    archive = one_ready(env, case, "archive")
    assert task_data(env, archive) == {"applicant": "zhang3", "licence_no": "L-001"}


def test_a_call_activity_bound_to_latest_uses_the_version_deployed_when_the_case_started(env):
    deploy(env, "called_licence_v1")
    deploy(env, "call_latest")
    old_case = start(env, "call_latest")

    assert deploy(env, "called_licence_v2").processes[0].version == 2
    new_case = start(env, "call_latest")

    assert ready_elements(env, new_case) == ["issue_e_licence"]
    assert ready_elements(env, old_case) == ["print_licence"]
    assert_survives_restart(env, old_case)
    assert_survives_restart(env, new_case)
    complete(env, one_ready(env, old_case, "print_licence"))
    assert ready_elements(env, old_case) == ["archive"]


def test_a_call_activity_pinned_to_a_version_keeps_using_it_after_newer_ones_are_deployed(env):
    deploy(env, "called_licence_v1")
    deploy(env, "called_licence_v2")
    deploy(env, "call_pinned")

    case = start(env, "call_pinned")

    assert ready_elements(env, case) == ["print_licence"]
    assert_survives_restart(env, case)
    complete(env, one_ready(env, case, "print_licence"))
    complete(env, one_ready(env, case, "archive"))
    assert instance(env, case)["status"] == "completed"


def test_a_call_activity_to_a_process_never_deployed_is_refused_at_deploy(env):
    path = CONSTRUCTS / "call_missing.bpmn"

    with pytest.raises(DeployRejected) as rejected:
        deploy(env, "call_missing")

    [issue] = rejected.value.issues
    assert (issue.code, issue.element_id, issue.line) == ("call-activity-unknown", "issue", line_of(path, 'id="issue"'))
    assert "licence_registry" in issue.message
    with env.unit_of_work() as uow:
        assert queries.list_definitions(uow) == []
