"""BPMN drawn in Camunda Modeler 7 runs unchanged once normalised."""

from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.camunda import multi_instance_variables, normalize
from engine.expressions import check_expression
from engine.juel import JuelUnsupported, translate_juel
from engine.task_attributes import read_task_extensions
from engine.xml_safety import parse_xml

DATA = Path(__file__).resolve().parents[2] / "data" / "engine"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN}


def document(body: str, *, executable: str = "true", extra_ns: str = "") -> str:
    """A Camunda-style definitions element around ``body`` (process id ``p``)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<bpmn:definitions xmlns:bpmn="{BPMN}" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:yw="urn:yiwang:bpmn:1.0"'
        ' xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
        f' {extra_ns} id="defs" targetNamespace="http://bpmn.io/schema/bpmn">\n'
        f'<bpmn:process id="p" isExecutable="{executable}">\n{body}\n</bpmn:process>\n'
        "</bpmn:definitions>\n"
    )


def parse(text: str):
    return parse_xml(text.encode("utf-8"), "test.bpmn")


def line_of(text: str, marker: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if marker in line)


def find(root, xpath: str):
    return root.xpath(xpath, namespaces=NS)[0]


# ---------------------------------------------------------------- JUEL translation


@pytest.mark.parametrize(
    ("juel", "python"),
    [
        ("${approved}", "approved"),
        ("#{approved}", "approved"),
        ("  ${ approved }  ", "approved"),
        ("${amount > 1000 && level == 'city'}", "amount > 1000 and level == 'city'"),
        ("${a || b}", "a or b"),
        ("${!approved}", "not approved"),
        ("${not approved}", "not approved"),
        ("${!a == b}", "(not a) == b"),
        ("${!(a == b)}", "not a == b"),
        ("${a eq 1 and b ne 2 or c}", "a == 1 and b != 2 or c"),
        ("${a lt 1 && b gt 2 && c le 3 && d ge 4}", "a < 1 and b > 2 and c <= 3 and d >= 4"),
        ("${empty comments}", "not comments"),
        ("${not empty comments}", "not not comments"),
        ("${x == null}", "x == None"),
        ("${flag == true || flag == false}", "flag == True or flag == False"),
        ('${level == "province"}', "level == 'province'"),
        ("${name == 'it\\'s'}", "name == \"it's\""),
        ("${区县 == '浦东'}", "区县 == '浦东'"),
        ("${(a || b) && c}", "(a or b) and c"),
        ("${a < b == true}", "(a < b) == True"),
        ("${a div 2 mod 3}", "a / 2 % 3"),
        ("${-a - -b * (c + d)}", "-a - -b * (c + d)"),
        ("${applicant.address.district}", "applicant['address']['district']"),
        ("${items[0].name}", "items[0]['name']"),
        ("${urgent ? 'P1D' : 'P5D'}", "'P1D' if urgent else 'P5D'"),
        ("${nrOfCompletedInstances/nrOfInstances >= 0.5}", "nrOfCompletedInstances / nrOfInstances >= 0.5"),
        ("${count == 007}", "count == 7"),
        ("approved == True", "approved == True"),
    ],
)
def test_juel_translates_to_an_equivalent_python_expression(juel, python):
    translated = translate_juel(juel)
    assert translated == python
    check_expression(translated)


@pytest.mark.parametrize(
    ("juel", "reason"),
    [
        ("${execution.getVariable('x')}", "execution"),
        ("${bean.method()}", "method calls"),
        ("${approver()}", "function calls"),
        ("${fn:contains(name, 'a')}", "function calls"),
        ("${task}", "task"),
        ("Dear ${name}", "composite"),
        ("${a}${b}", "composite"),
        ("${class}", "Python"),
        ("${x instanceof y}", "unexpected"),
        ("${[1, 2]}", "literals"),
        ("${a &&}", "ends too early"),
        ("${a", "closing"),
        ("${}", "empty"),
    ],
)
def test_juel_without_python_equivalent_is_refused_with_a_reason(juel, reason):
    with pytest.raises(JuelUnsupported) as caught:
        translate_juel(juel)
    assert reason in caught.value.message
    assert caught.value.code == "juel-unsupported"


# ---------------------------------------------------------------- normalize


def test_conditions_cardinality_and_completion_are_translated_in_place():
    text = document(
        """
        <bpmn:userTask id="sign">
          <bpmn:multiInstanceLoopCharacteristics>
            <bpmn:loopCardinality>${count}</bpmn:loopCardinality>
            <bpmn:completionCondition>${done || cancelled}</bpmn:completionCondition>
          </bpmn:multiInstanceLoopCharacteristics>
        </bpmn:userTask>
        <bpmn:sequenceFlow id="f1" sourceRef="a" targetRef="b">
          <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">
            ${amount &gt; 1000 &amp;&amp; !urgent}
          </bpmn:conditionExpression>
        </bpmn:sequenceFlow>"""
    )
    root = parse(text)
    assert normalize(root) == []
    assert find(root, "//bpmn:loopCardinality").text == "count"
    assert find(root, "//bpmn:completionCondition").text == "done or cancelled"
    assert find(root, "//bpmn:conditionExpression").text == "amount > 1000 and not urgent"


@pytest.mark.parametrize(
    ("timer", "written", "expected"),
    [
        ("timeDuration", "PT5M", '"PT5M"'),
        ("timeDuration", "P5D", '"P5D"'),
        ("timeCycle", "R3/PT10M", '"R3/PT10M"'),
        ("timeDate", "2026-01-05T09:00:00", '"2026-01-05T09:00:00"'),
        ("timeDate", "2026-01-05T09:00:00+08:00", '"2026-01-05T09:00:00+08:00"'),
        ("timeDuration", "${reminder}", "reminder"),
        ("timeDuration", '"PT5M"', '"PT5M"'),
        ("timeDuration", "timedelta_text", "timedelta_text"),
    ],
)
def test_timer_literals_become_python_strings(timer, written, expected):
    text = document(
        f"""<bpmn:intermediateCatchEvent id="wait">
          <bpmn:timerEventDefinition><bpmn:{timer}>{written}</bpmn:{timer}></bpmn:timerEventDefinition>
        </bpmn:intermediateCatchEvent>"""
    )
    root = parse(text)
    assert normalize(root) == []
    assert find(root, f"//bpmn:{timer}").text == expected
    normalize(root)
    assert find(root, f"//bpmn:{timer}").text == expected, "normalize must be idempotent"


def test_method_call_in_condition_is_reported_with_flow_id_and_line():
    text = document(
        """<bpmn:sequenceFlow id="flow_call" sourceRef="a" targetRef="b">
          <bpmn:conditionExpression>${execution.getVariable('approved')}</bpmn:conditionExpression>
        </bpmn:sequenceFlow>"""
    )
    root = parse(text)
    [issue] = normalize(root, "test.bpmn")
    assert (issue.code, issue.severity) == ("juel-unsupported", "error")
    assert issue.element_id == "flow_call"
    assert issue.line == line_of(text, "<bpmn:conditionExpression>")
    assert issue.file == "test.bpmn"
    assert find(root, "//bpmn:conditionExpression").text == "${execution.getVariable('approved')}"


def test_bean_call_in_timer_is_reported_against_the_event():
    text = document(
        """<bpmn:boundaryEvent id="remind" attachedToRef="t">
          <bpmn:timerEventDefinition>
            <bpmn:timeDuration>${calendar.workingDays(5)}</bpmn:timeDuration>
          </bpmn:timerEventDefinition>
        </bpmn:boundaryEvent>"""
    )
    [issue] = normalize(parse(text))
    assert (issue.code, issue.element_id, issue.line) == ("juel-unsupported", "remind", line_of(text, "${calendar"))


def test_problems_inside_documentation_only_processes_are_not_reported():
    text = document(
        """<bpmn:sequenceFlow id="f" sourceRef="a" targetRef="b">
          <bpmn:conditionExpression>${bean.check()}</bpmn:conditionExpression>
        </bpmn:sequenceFlow>""",
        executable="false",
    )
    assert normalize(parse(text)) == []


@pytest.mark.parametrize("collection", ["departments", "${departments}", "#{departments}"])
def test_camunda_collection_becomes_loop_data_input(collection):
    text = document(
        f"""<bpmn:userTask id="sign">
          <bpmn:multiInstanceLoopCharacteristics camunda:collection="{collection}" camunda:elementVariable="department">
            <bpmn:completionCondition>${{rejected}}</bpmn:completionCondition>
          </bpmn:multiInstanceLoopCharacteristics>
        </bpmn:userTask>"""
    )
    root = parse(text)
    issues = normalize(root)
    assert [i.code for i in issues] == ["mi-element-variable"]
    loop = find(root, "//bpmn:multiInstanceLoopCharacteristics")
    assert [etree.QName(c).localname for c in loop] == ["loopDataInputRef", "inputDataItem", "completionCondition"]
    assert loop[0].text == "departments"
    assert (loop[1].get("id"), loop[1].get("name")) == ("department", "department")
    assert loop[0].prefix == "bpmn"


def test_collection_that_is_not_a_variable_is_refused():
    text = document(
        """<bpmn:userTask id="sign">
          <bpmn:multiInstanceLoopCharacteristics camunda:collection="${order.items}" />
        </bpmn:userTask>"""
    )
    [issue] = normalize(parse(text))
    assert (issue.code, issue.element_id) == ("juel-unsupported", "sign")
    assert issue.line == line_of(text, "multiInstanceLoopCharacteristics")


def test_sequential_loop_over_an_element_variable_is_an_error():
    text = document(
        """<bpmn:userTask id="sign">
          <bpmn:multiInstanceLoopCharacteristics isSequential="true"
              camunda:collection="depts" camunda:elementVariable="d" />
        </bpmn:userTask>"""
    )
    [issue] = normalize(parse(text))
    assert (issue.code, issue.severity, issue.element_id) == ("camunda-unsupported", "error", "sign")


def test_multi_instance_variables_are_kept_with_a_warning():
    text = document(
        """<bpmn:userTask id="sign">
          <bpmn:multiInstanceLoopCharacteristics camunda:collection="depts">
            <bpmn:completionCondition>${nrOfCompletedInstances/nrOfInstances &gt;= 0.5}</bpmn:completionCondition>
          </bpmn:multiInstanceLoopCharacteristics>
        </bpmn:userTask>"""
    )
    root = parse(text)
    [issue] = normalize(root)
    assert (issue.code, issue.severity, issue.element_id) == ("mi-variables", "warning", "sign")
    assert issue.line == line_of(text, "completionCondition")
    assert find(root, "//bpmn:completionCondition").text == "nrOfCompletedInstances / nrOfInstances >= 0.5"


def test_java_delegates_and_listeners_are_reported():
    text = document(
        """<bpmn:serviceTask id="archive" camunda:class="org.example.Archive" />
        <bpmn:userTask id="review">
          <bpmn:extensionElements>
            <camunda:taskListener class="org.example.Notify" event="create" />
          </bpmn:extensionElements>
        </bpmn:userTask>
        <bpmn:serviceTask id="external" camunda:type="external" camunda:topic="archive" />"""
    )
    issues = normalize(parse(text))
    assert [(i.code, i.severity, i.element_id) for i in issues] == [
        ("camunda-unsupported", "error", "archive"),
        ("camunda-ignored", "warning", "review"),
    ]
    assert issues[1].line == line_of(text, "camunda:taskListener")


def test_decision_ref_becomes_spiffworkflow_called_decision():
    root = parse(document('<bpmn:businessRuleTask id="rule" camunda:decisionRef="fee_table" />'))
    assert normalize(root) == []
    called = root.xpath(
        "//bpmn:businessRuleTask/bpmn:extensionElements/spiffworkflow:calledDecisionId",
        namespaces={**NS, "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"},
    )
    assert [c.text for c in called] == ["fee_table"]


# ---------------------------------------------------------------- running in SpiffWorkflow


def load_camunda_approval():
    root = parse_xml((DATA / "camunda_approval.bpmn").read_bytes(), "camunda_approval.bpmn")
    issues = normalize(root, "camunda_approval.bpmn")
    assert [(i.code, i.severity) for i in issues] == [("mi-element-variable", "warning")]
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(root, "camunda_approval.bpmn")
    return parser.get_spec("camunda_approval"), parser.get_subprocess_specs("camunda_approval")


def ready_tasks(workflow):
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def complete(workflow, bpmn_id, **data):
    task = next(t for t in ready_tasks(workflow) if t.task_spec.bpmn_id == bpmn_id)
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()


def save_and_restore(workflow):
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
    before = serializer.to_dict(workflow)
    restored = serializer.deserialize_json(serializer.serialize_json(workflow))
    assert serializer.to_dict(restored) == before
    return restored


@pytest.mark.parametrize(("approved", "end"), [(True, "EndEvent_Approved"), (False, "EndEvent_Rejected")])
def test_camunda_drawn_approval_runs_in_plain_spiffworkflow(approved, end):
    spec, subprocesses = load_camunda_approval()
    workflow = BpmnWorkflow(spec, subprocesses)
    workflow.do_engine_steps()
    complete(workflow, "Task_Accept", departments=["规划", "国土"])

    countersign = ready_tasks(workflow)
    assert sorted(t.data["department"] for t in countersign) == ["国土", "规划"]
    assert {t.task_spec.name for t in countersign} == {"Task_Countersign [child]"}
    first = countersign[0]
    first.data["opinion_" + first.data["department"]] = "同意"
    first.run()
    workflow.do_engine_steps()

    workflow = save_and_restore(workflow)
    [second] = ready_tasks(workflow)
    second.data["opinion_" + second.data["department"]] = "同意"
    second.run()
    workflow.do_engine_steps()

    assert [t.task_spec.bpmn_id for t in ready_tasks(workflow)] == ["Task_Decide"]
    complete(workflow, "Task_Decide", approved=approved)
    assert workflow.completed
    ended = {t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.COMPLETED)}
    assert end in ended
    assert ({"EndEvent_Approved", "EndEvent_Rejected"} - {end}).isdisjoint(ended)
    assert workflow.last_task.data["opinion_规划"] == "同意"


class CamundaVariablesEngine(PythonScriptEngine):
    """A script engine offering Camunda's multi-instance variables to expressions."""

    def evaluate(self, task, expression, external_context=None):
        context = {**multi_instance_variables(task), **(external_context or {})}
        return super().evaluate(task, expression, external_context=context)


HALF_AGREE = document(
    """<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="sign">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="${departments}" camunda:elementVariable="department">
        <bpmn:completionCondition>${nrOfCompletedInstances/nrOfInstances &gt;= 0.5}</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sign" />
    <bpmn:sequenceFlow id="f2" sourceRef="sign" targetRef="end" />"""
)


def test_completion_condition_over_camunda_mi_variables_runs_with_an_engine_that_offers_them():
    root = parse(HALF_AGREE)
    assert {i.code for i in normalize(root)} == {"mi-variables", "mi-element-variable"}
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(root)
    workflow = BpmnWorkflow(parser.get_spec("p"), script_engine=CamundaVariablesEngine())
    workflow.get_next_task(state=TaskState.READY).data["departments"] = ["a", "b", "c", "d"]
    workflow.do_engine_steps()
    seen = []
    for _ in range(2):
        task = ready_tasks(workflow)[0]
        seen.append(multi_instance_variables(task))
        task.run()
        workflow.do_engine_steps()
    assert workflow.completed
    assert seen[0]["nrOfInstances"] == 4
    assert seen[0]["nrOfActiveInstances"] == 4
    assert seen[1]["nrOfCompletedInstances"] == 1


def test_multi_instance_variables_are_empty_outside_a_loop():
    spec, subprocesses = load_camunda_approval()
    workflow = BpmnWorkflow(spec, subprocesses)
    workflow.do_engine_steps()
    assert multi_instance_variables(ready_tasks(workflow)[0]) == {}


# ---------------------------------------------------------------- task attributes


def task_in(text: str, task_id: str = "t"):
    return find(parse(text), f"//*[@id='{task_id}']")


def test_camunda_task_attributes_are_read_and_juel_translated():
    node = task_in(document(
        '<bpmn:userTask id="t" camunda:candidateGroups="窗口, ${region.office}" camunda:candidateUsers="wang,li"'
        ' camunda:assignee="${applicant &amp;&amp; reviewer}" camunda:formKey="apply_form" camunda:dueDate="${due}" />'
    ))
    assert read_task_extensions(node) == {
        "candidateGroups": ["窗口", "${region['office']}"],
        "candidateUsers": ["wang", "li"],
        "assignee": "${applicant and reviewer}",
        "formKey": "apply_form",
        "timeLimitDays": None,
        "dueDate": "${due}",
        "lane": None,
    }


def test_literal_camunda_assignee_stays_literal():
    node = task_in(document('<bpmn:userTask id="t" camunda:assignee="demo" />'))
    assert read_task_extensions(node)["assignee"] == "demo"


def test_untranslatable_juel_is_kept_as_written_for_lint_to_report():
    node = task_in(document('<bpmn:userTask id="t" camunda:assignee="${execution.getVariable(\'x\')}" />'))
    assert read_task_extensions(node)["assignee"] == "${execution.getVariable('x')}"


def test_yiwang_attributes_win_over_spiff_properties_over_camunda():
    node = task_in(document(
        """<bpmn:userTask id="t" camunda:candidateGroups="camunda_group" camunda:formKey="camunda_form"
             camunda:assignee="camunda_user" yw:formKey="yw_form" yw:timeLimit="2.5">
          <bpmn:extensionElements>
            <spiffworkflow:properties>
              <spiffworkflow:property name="candidateGroups" value="spiff_group" />
              <spiffworkflow:property name="formKey" value="spiff_form" />
              <spiffworkflow:property name="dueDate" value="${deadline}" />
            </spiffworkflow:properties>
          </bpmn:extensionElements>
        </bpmn:userTask>"""
    ))
    attributes = read_task_extensions(node)
    assert attributes["formKey"] == "yw_form"
    assert attributes["candidateGroups"] == ["spiff_group"]
    assert attributes["assignee"] == "camunda_user"
    assert attributes["dueDate"] == "${deadline}"
    assert attributes["timeLimitDays"] == 2.5


@pytest.mark.parametrize("limit", ["abc", "0", "-1", "inf", "nan"])
def test_invalid_time_limit_reads_as_none(limit):
    node = task_in(document(f'<bpmn:userTask id="t" yw:timeLimit="{limit}" />'))
    assert read_task_extensions(node)["timeLimitDays"] is None


def test_innermost_lane_names_the_candidate_group_when_none_is_given():
    text = document(
        """<bpmn:laneSet id="ls">
          <bpmn:lane id="bureau" name="规划局">
            <bpmn:flowNodeRef>t</bpmn:flowNodeRef><bpmn:flowNodeRef>explicit</bpmn:flowNodeRef>
            <bpmn:flowNodeRef>sub</bpmn:flowNodeRef>
            <bpmn:childLaneSet id="cls">
              <bpmn:lane id="office" name="审批科"><bpmn:flowNodeRef>t</bpmn:flowNodeRef></bpmn:lane>
            </bpmn:childLaneSet>
          </bpmn:lane>
        </bpmn:laneSet>
        <bpmn:userTask id="t" />
        <bpmn:userTask id="explicit" camunda:candidateGroups="director" />
        <bpmn:subProcess id="sub"><bpmn:userTask id="inner" /></bpmn:subProcess>"""
    )
    root = parse(text)
    assert read_task_extensions(find(root, "//*[@id='t']"))["candidateGroups"] == ["审批科"]
    explicit = read_task_extensions(find(root, "//*[@id='explicit']"))
    assert (explicit["candidateGroups"], explicit["lane"]) == (["director"], "规划局")
    assert read_task_extensions(find(root, "//*[@id='inner']"))["lane"] == "规划局"


def test_activiti_namespace_is_read_like_camunda():
    node = task_in(document(
        '<bpmn:userTask id="t" activiti:candidateGroups="clerks" />',
        extra_ns='xmlns:activiti="http://activiti.org/bpmn"',
    ))
    assert read_task_extensions(node)["candidateGroups"] == ["clerks"]
