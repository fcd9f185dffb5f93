"""The process outline: steps in flow order and the critical path the promised time limit is checked against."""

from __future__ import annotations

from engine.xml_safety import parse_xml
from processes.process_outline import executable_processes, outline_process

HEAD = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:yw="urn:yiwang:bpmn:1.0" '
        'id="d" targetNamespace="urn:t"><bpmn:process id="p" isExecutable="true">')
TAIL = "</bpmn:process></bpmn:definitions>"


def outline(body: str):
    root = parse_xml((HEAD + body + TAIL).encode(), "t.bpmn")
    return outline_process(root, executable_processes(root)[0], "t.bpmn")


def task(task_id: str, days: float | None = None, extra: str = "", inner: str = "") -> str:
    limit = f' yw:timeLimit="{days:g}"' if days is not None else ""
    return f'<bpmn:userTask id="{task_id}" name="{task_id}" yw:candidateGroups="g"{limit} {extra}>{inner}</bpmn:userTask>'


def flows(*pairs: str) -> str:
    return "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                   for i, pair in enumerate(pairs) for a, b in [pair.split(">")])


def test_parallel_branches_count_as_their_longest_and_steps_come_in_flow_order():
    result = outline(
        '<bpmn:startEvent id="s"/>' + task("a", 1) + '<bpmn:parallelGateway id="fork"/>' + task("b", 2)
        + task("c", 5) + '<bpmn:parallelGateway id="join"/>' + task("d", 1) + '<bpmn:endEvent id="e"/>'
        + flows("s>a", "a>fork", "fork>b", "fork>c", "b>join", "c>join", "join>d", "d>e"))
    assert result.critical_days == 7
    assert [e for e in result.critical_path if result.step(e)] == ["a", "c", "d"]
    assert [s.element_id for s in result.steps] == ["a", "b", "c", "d"]
    assert {s.element_id: s.parallel_group for s in result.steps} == {"a": None, "b": "fork", "c": "fork",
                                                                     "d": None}


def test_a_loop_is_counted_once():
    result = outline(
        '<bpmn:startEvent id="s"/>' + task("check", 1) + '<bpmn:exclusiveGateway id="gw" default="f3"/>'
        + task("fix", 2) + task("decide", 1) + '<bpmn:endEvent id="e"/>'
        + flows("s>check", "check>gw", "gw>fix", "gw>decide", "fix>check", "decide>e"))
    assert result.critical_days == 3  # check, then the longer of fix (the loop body) or decide


def test_a_multi_instance_step_counts_once_and_a_clock_stopped_step_not_at_all():
    loop = ('<bpmn:multiInstanceLoopCharacteristics><bpmn:loopDataInputRef>depts</bpmn:loopDataInputRef>'
            '<bpmn:inputDataItem id="dept" name="dept"/></bpmn:multiInstanceLoopCharacteristics>')
    result = outline(
        '<bpmn:startEvent id="s"/>' + task("sign", 3, inner=loop) + task("experts", 20, 'yw:clock="stopped"')
        + task("decide", 1) + '<bpmn:endEvent id="e"/>' + flows("s>sign", "sign>experts", "experts>decide", "decide>e"))
    assert result.critical_days == 4
    assert result.step("sign").multi_instance == "parallel"
    assert result.step("experts").clock_stopped and result.step("experts").counted_days == 0


def test_an_embedded_subprocess_counts_its_inner_path_unless_it_has_its_own_limit():
    inner = ('<bpmn:startEvent id="is"/>' + task("x", 2) + task("y", 3) + '<bpmn:endEvent id="ie"/>'
             + '<bpmn:sequenceFlow id="i1" sourceRef="is" targetRef="x"/><bpmn:sequenceFlow id="i2" sourceRef="x" '
             'targetRef="y"/><bpmn:sequenceFlow id="i3" sourceRef="y" targetRef="ie"/>')
    body = ('<bpmn:startEvent id="s"/><bpmn:subProcess id="sub" name="联审"{limit}>' + inner + '</bpmn:subProcess>'
            '<bpmn:endEvent id="e"/>' + flows("s>sub", "sub>e"))
    assert outline(body.format(limit="")).critical_days == 5
    assert outline(body.format(limit=' yw:timeLimit="4"')).critical_days == 4
    assert [s.element_id for s in outline(body.format(limit="")).steps] == ["sub", "x", "y"]


def test_a_boundary_event_path_is_a_path_of_its_task():
    result = outline(
        '<bpmn:startEvent id="s"/>' + task("review", 2)
        + '<bpmn:boundaryEvent id="late" attachedToRef="review"><bpmn:timerEventDefinition/></bpmn:boundaryEvent>'
        + task("escalate", 3) + '<bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
        + flows("s>review", "review>e", "late>escalate", "escalate>e2"))
    assert result.critical_days == 5
