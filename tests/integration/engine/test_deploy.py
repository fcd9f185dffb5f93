"""Deploying BPMN: versions, idempotency, and bad input refused with its location, storing nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import deploy
from engine.errors import DeployRejected
from engine.models import ProcessDefinition
from support.engine_kit import complete, deploy_files, instance, one_ready, start
from support.paths import EXAMPLES

BPMN = EXAMPLES / "one_window_approval" / "one_window_approval.bpmn"
START = {"applicant": "zhang3", "departments": ["market"]}


def process(body: str, pid: str = "p") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:yw="urn:yiwang:bpmn:1.0"
    id="d" targetNamespace="urn:test">
  <bpmn:process id="{pid}" isExecutable="true">
{body}
  </bpmn:process>
</bpmn:definitions>""".encode()


SIMPLE = """    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="t" name="{name}"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>"""


def definitions(env) -> int:
    with env.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(ProcessDefinition))


def test_identical_content_keeps_its_version_and_new_content_gets_the_next(env):
    first = deploy_files(env, BPMN).processes[0]
    again = deploy_files(env, BPMN).processes[0]
    changed = deploy_files(env, **{"one_window_approval.bpmn": BPMN.read_bytes().replace(b"\xe7\xaa\x97\xe5\x8f\xa3\xe5\x8f\x97\xe7\x90\x86", "受理".encode())}).processes[0]
    assert (first.version, first.created) == (1, True)
    assert (again.version, again.created, again.definition_id) == (1, False, first.definition_id)
    assert (changed.version, changed.created) == (2, True)
    assert definitions(env) == 2


def test_a_running_case_finishes_on_the_version_it_started_with(env):
    deploy_files(env, p=process(SIMPLE.format(name="v1")))
    old = start(env, "p")
    deploy_files(env, p=process(SIMPLE.format(name="v2")))
    new = start(env, "p")
    assert one_ready(env, old, "t")["name"] == "v1"
    assert one_ready(env, new, "t")["name"] == "v2"
    complete(env, one_ready(env, old, "t"))
    assert instance(env, old)["definition_version"] == 1
    assert instance(env, old)["status"] == "completed"
    assert instance(env, new)["definition_version"] == 2


BAD = {
    "malformed": (b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">\n  <oops>\n</bpmn:definitions>',
                  "xml-rejected", None, 3),
    "doctype": (b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<x>&e;</x>',
                "xml-rejected", None, None),
    "import in condition": (process("""    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="g" default="f3"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="e1"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="e2"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
    <bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e1">
      <bpmn:conditionExpression>__import__("os").system("id")</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="e2"/>"""), "expression-rejected", "f2", 11),
    "script task while scripts are off": (process("""    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="run_me"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="run_me"/>
    <bpmn:sequenceFlow id="f2" sourceRef="run_me" targetRef="e"/>"""), "script-task-disabled", "run_me", 6),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_bpmn_is_refused_with_its_location_and_nothing_is_stored(env, name):
    content, code, element_id, line = BAD[name]
    with pytest.raises(DeployRejected) as refused:
        deploy_files(env, **{"bad.bpmn": content})
    issue = next(i for i in refused.value.issues if i.code == code)
    assert issue.file == "bad.bpmn"
    if element_id:
        assert issue.element_id == element_id
    if line:
        assert issue.line == line
    assert definitions(env) == 0


def test_an_oversized_file_is_refused_before_parsing(make_env):
    env = make_env(max_xml_bytes=2000)
    with pytest.raises(DeployRejected) as refused:
        deploy_files(env, BPMN)
    assert refused.value.issues[0].code == "xml-rejected"
    assert definitions(env) == 0


def test_form_keys_the_platform_does_not_know_are_refused(db_engine):
    from engine.config import EngineConfig
    from engine.environment import EngineEnv
    from forms.binding import FormBinding
    from forms.store import publish_form

    env = EngineEnv(EngineConfig(), db_engine=db_engine, forms=FormBinding())
    with env.unit_of_work() as uow:
        publish_form(uow.session, "application", {"type": "object", "properties": {"applicant": {"type": "string"}}})
        uow.commit()
    with pytest.raises(DeployRejected) as refused:
        deploy_files(env, BPMN)
    unknown = {i.element_id for i in refused.value.issues if i.code == "unknown-form-key"}
    assert unknown == {"accept", "correct", "review", "decide", "issue"}
