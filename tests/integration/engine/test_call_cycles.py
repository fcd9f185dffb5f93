"""A process that calls itself (issue 16, finding 12): refused at deploy, bounded at run time.

Before, such a process deployed without a word and its first start created subprocesses
until the worker was killed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import call_graph, queries
from engine.errors import DeployRejected
from engine.models import ProcessDefinition
from engine.runtime import ProcessStepFailed
from engine.workflow import MAX_SUBPROCESS_DEPTH
from support.engine_kit import complete, deploy_files, instance, one_ready, start
from support.paths import DATA

WILD = DATA / "engine" / "wild"


def versions(env, process_id: str) -> list[int]:
    with env.unit_of_work() as uow:
        return list(uow.session.scalars(select(ProcessDefinition.version)
                                        .where(ProcessDefinition.process_id == process_id)))


def refused(env, name: str):
    with pytest.raises(DeployRejected) as rejection:
        deploy_files(env, WILD / name)
    return [i for i in rejection.value.issues if i.code == "call-cycle"]


def test_a_process_calling_itself_is_refused_at_its_call_activity(env):
    (issue,) = refused(env, "calls_itself.bpmn")
    assert (issue.element_id, issue.line, issue.file) == ("call_calls_itself", 6, "calls_itself.bpmn")
    assert "calls_itself → calls_itself" in issue.message
    assert versions(env, "calls_itself") == []


def test_a_process_reaching_itself_through_a_deployed_process_is_refused(env):
    deploy_files(env, WILD / "ping_v1.bpmn")
    deploy_files(env, WILD / "pong.bpmn")  # calls the latest ping, which would be the new one
    (issue,) = refused(env, "ping_v2.bpmn")
    assert (issue.element_id, issue.line) == ("call_pong", 6)
    assert "ping → pong v1 → ping" in issue.message
    assert versions(env, "ping") == [1]


def test_a_call_pinned_to_a_version_that_calls_nothing_is_no_cycle(env):
    deploy_files(env, WILD / "ping_v1.bpmn")
    deploy_files(env, WILD / "pong_pinned.bpmn")  # ping version 1 only, whatever comes later
    deploy_files(env, WILD / "ping_v2.bpmn")
    case = start(env, "ping")  # ping v2 -> pong -> ping v1 -> review
    complete(env, one_ready(env, case, "review"))
    assert instance(env, case)["status"] == "completed"


@pytest.mark.timeout(60)
def test_a_cycle_that_got_past_deploy_stops_at_the_depth_bound_naming_the_call(env, monkeypatch):
    """As if two deployments had raced past each other's check: the first start must still end."""
    deploy_files(env, WILD / "ping_v1.bpmn")
    deploy_files(env, WILD / "pong.bpmn")
    monkeypatch.setattr(call_graph, "cycle_issues", lambda session, roots: [])
    deploy_files(env, WILD / "ping_v2.bpmn")

    with pytest.raises(ProcessStepFailed) as failed:
        start(env, "ping")
    assert failed.value.context["element_id"] in {"call_pong", "call_ping"}
    assert f"subprocesses would nest more than {MAX_SUBPROCESS_DEPTH} deep" in failed.value.message
    with env.unit_of_work() as uow:
        assert queries.list_instances(uow) == []


def test_a_case_calls_processes_deployed_separately_however_deep(env):
    """Every definition a case can reach is pinned when it starts, not only those it calls itself."""
    deploy_files(env, WILD / "ping_v1.bpmn")
    deploy_files(env, WILD / "pong.bpmn")
    deploy_files(env, **{"relay.bpmn": (WILD / "pong.bpmn").read_bytes()
                         .replace(b'id="pong"', b'id="relay"').replace(b'calledElement="ping"', b'calledElement="pong"')})
    case = start(env, "relay")  # relay -> pong -> ping -> review
    complete(env, one_ready(env, case, "review"))
    assert instance(env, case)["status"] == "completed"
    with env.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ProcessDefinition)) == 3
