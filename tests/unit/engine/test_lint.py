"""Each lint rule reports a stable code, the element id and the line it concerns."""

import pytest
from SpiffWorkflow.spiff.parser import SpiffBpmnParser

from engine.camunda import normalize
from engine.lint import lint_tree
from engine.spiff_validation import spiff_validation_issues
from engine.xml_safety import parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def bpmn(body: str, *, executable: str = "true", outside: str = "") -> str:
    """A document with process ``p`` holding ``body``; ``outside`` goes after the process."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<bpmn:definitions xmlns:bpmn="{BPMN}" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
        ' xmlns:yw="urn:yiwang:bpmn:1.0" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
        ' id="defs" targetNamespace="urn:test">\n'
        f'<bpmn:process id="p" isExecutable="{executable}">\n{body}\n</bpmn:process>\n'
        f"{outside}</bpmn:definitions>\n"
    )


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}" />'
    return (
        f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
        f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )


def simple(middle: str = '<bpmn:userTask id="task" />') -> str:
    """start -> ``middle`` (whose first id must be ``task``) -> end."""
    return "\n".join([
        '<bpmn:startEvent id="start" />',
        middle,
        '<bpmn:endEvent id="end" />',
        flow("f_start", "start", "task"),
        flow("f_end", "task", "end"),
    ])


def lint(text: str, **options):
    root = parse_xml(text.encode("utf-8"), "test.bpmn")
    return normalize(root, "test.bpmn") + lint_tree(root, "test.bpmn", **options)


def line_of(text: str, marker: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), 1) if marker in line]
    assert len(lines) == 1, f"{marker!r} is on lines {lines}"
    return lines[0]


def only(issues, code):
    found = [i for i in issues if i.code == code]
    assert len(found) == 1, f"expected one {code}, got {issues}"
    return found[0]


def assert_issue(text, issues, code, element_id, marker=None, severity="error"):
    issue = only(issues, code)
    assert issue.element_id == element_id
    assert issue.line == line_of(text, marker or f'id="{element_id}"')
    assert issue.severity == severity
    assert issue.file == "test.bpmn"
    return issue


def test_a_clean_process_has_no_issues():
    assert lint(bpmn(simple()), form_keys=set()) == []


def test_root_must_be_bpmn_definitions():
    [issue] = lint_tree(parse_xml(b"<definitions/>"))
    assert (issue.code, issue.line) == ("not-bpmn", 1)


def test_duplicate_id():
    text = bpmn(simple('<bpmn:userTask id="task" />\n<bpmn:task id="task" />'))
    issues = lint(text)
    issue = only(issues, "duplicate-id")
    assert (issue.element_id, issue.line) == ("task", line_of(text, '<bpmn:task id="task"'))


def test_documentation_only_process_is_a_warning_and_not_checked_further():
    text = bpmn('<bpmn:complexGateway id="cg" />', executable="false")
    issues = lint(text)
    assert_issue(text, issues, "process-not-executable", "p", severity="warning")
    issue = only(issues, "no-executable-process")
    assert (issue.element_id, issue.line) == ("defs", line_of(text, 'id="defs"'))
    assert {i.code for i in issues} == {"process-not-executable", "no-executable-process"}


def test_process_without_start_event():
    text = bpmn('<bpmn:userTask id="task" />')
    assert_issue(text, lint(text), "no-start-event", "p")


@pytest.mark.parametrize(
    ("inner", "code"),
    [
        ('<bpmn:userTask id="x" /><bpmn:endEvent id="e" />', "no-start-event"),
        ('<bpmn:startEvent id="s1" /><bpmn:startEvent id="s2" /><bpmn:endEvent id="e" />', "subprocess-start-events"),
    ],
)
def test_embedded_subprocess_needs_exactly_one_start(inner, code):
    text = bpmn(simple(f'<bpmn:subProcess id="task">\n{inner}\n</bpmn:subProcess>'))
    assert_issue(text, lint(text), code, "task")


def test_a_subprocess_without_an_end_event_ends_implicitly_and_is_not_refused():
    text = bpmn(simple('<bpmn:subProcess id="task">\n<bpmn:startEvent id="s1" />\n</bpmn:subProcess>'))
    assert [i.code for i in lint(text) if i.severity == "error"] == []


@pytest.mark.parametrize(
    ("element", "element_id"),
    [
        ('<bpmn:complexGateway id="task" />', "task"),
        ('<bpmn:userTask id="task" isForCompensation="true" />', "task"),
        ('<bpmn:adHocSubProcess id="task" ordering="Sequential"><bpmn:task id="a" /></bpmn:adHocSubProcess>', "task"),
        ('<bpmn:intermediateThrowEvent id="task"><bpmn:linkEventDefinition name="L" /></bpmn:intermediateThrowEvent>',
         "task"),
        ('<bpmn:intermediateThrowEvent id="task"><bpmn:compensateEventDefinition /></bpmn:intermediateThrowEvent>',
         "task"),
        ('<bpmn:intermediateCatchEvent id="task"><bpmn:eventDefinitionRef>x</bpmn:eventDefinitionRef>'
         "</bpmn:intermediateCatchEvent>", "task"),
    ],
)
def test_unsupported_flow_elements(element, element_id):
    text = bpmn(simple(element))
    assert_issue(text, lint(text), "unsupported-element", element_id)


def test_signal_end_event_is_unsupported():
    text = bpmn(simple().replace('<bpmn:endEvent id="end" />',
                                 '<bpmn:endEvent id="end"><bpmn:signalEventDefinition /></bpmn:endEvent>'))
    assert_issue(text, lint(text), "unsupported-element", "end")


@pytest.mark.parametrize("kind", ["error", "escalation"])
def test_error_and_escalation_start_events_start_event_subprocesses(kind):
    text = bpmn(simple() + f"""
<bpmn:subProcess id="on_error" triggeredByEvent="true">
  <bpmn:startEvent id="caught"><bpmn:{kind}EventDefinition /></bpmn:startEvent>
  <bpmn:endEvent id="handled" />
  <bpmn:sequenceFlow id="fe" sourceRef="caught" targetRef="handled" />
</bpmn:subProcess>""")
    assert [i for i in lint(text) if i.severity == "error"] == []


@pytest.mark.parametrize("kind", ["error", "escalation"])
def test_error_and_escalation_start_events_outside_event_subprocesses_are_refused(kind):
    text = bpmn(simple().replace('<bpmn:startEvent id="start" />',
                                 f'<bpmn:startEvent id="start"><bpmn:{kind}EventDefinition /></bpmn:startEvent>'))
    issue = assert_issue(text, lint(text), "unsupported-element", "start")
    assert f"{kind} startEvents start event subprocesses only" in issue.message


def test_boundary_event_needs_a_definition():
    text = bpmn(simple() + '\n<bpmn:boundaryEvent id="b" attachedToRef="task" />\n'
                '<bpmn:endEvent id="e2" />\n' + flow("fb", "b", "e2"))
    assert_issue(text, lint(text), "unsupported-element", "b")


def test_data_store_and_choreography_are_unsupported_and_conversation_is_ignored():
    outside = (
        '<bpmn:dataStore id="ds" name="registry" />\n'
        '<bpmn:choreography id="ch" />\n'
        '<bpmn:collaboration id="c"><bpmn:conversation id="conv" /></bpmn:collaboration>\n'
    )
    text = bpmn(simple(), outside=outside)
    issues = [i for i in lint(text) if i.code == "unsupported-element"]
    assert [(i.element_id, i.line, i.severity) for i in issues] == [
        ("ds", line_of(text, 'id="ds"'), "error"),
        ("ch", line_of(text, 'id="ch"'), "error"),
        ("conv", line_of(text, 'id="conv"'), "warning"),
    ]


@pytest.mark.parametrize(
    "loop",
    [
        "<bpmn:multiInstanceLoopCharacteristics />",
        "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>3</bpmn:loopCardinality>"
        "<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef></bpmn:multiInstanceLoopCharacteristics>",
        "<bpmn:standardLoopCharacteristics />",
    ],
)
def test_incomplete_loops(loop):
    text = bpmn(simple(f'<bpmn:userTask id="task">\n{loop}\n</bpmn:userTask>'))
    assert_issue(text, lint(text), "loop-incomplete", "task", marker="LoopCharacteristics")


def test_sequence_flow_to_a_missing_element():
    text = bpmn(simple() + "\n" + flow("f_bad", "task", "nowhere"))
    issue = assert_issue(text, lint(text), "sequence-flow-dangling", "f_bad")
    assert "nowhere" in issue.message


def test_sequence_flow_into_another_scope_is_dangling():
    text = bpmn(simple(
        '<bpmn:subProcess id="task"><bpmn:startEvent id="s" /><bpmn:endEvent id="e" />'
        '<bpmn:sequenceFlow id="fs" sourceRef="s" targetRef="e" /></bpmn:subProcess>'
    ) + "\n" + flow("f_in", "start", "e"))
    issues = lint(text)
    assert [(i.element_id, i.line) for i in issues if i.code == "sequence-flow-dangling"] == [
        ("f_in", line_of(text, 'id="f_in"'))
    ]


def test_activity_with_two_outgoing_flows_is_an_implicit_split():
    text = bpmn(simple() + '\n<bpmn:endEvent id="end2" />\n' + flow("f_two", "task", "end2"))
    assert_issue(text, lint(text), "implicit-split", "task", marker='<bpmn:userTask id="task"')


def test_condition_on_a_flow_leaving_a_task_is_ignored():
    text = bpmn(simple().replace(flow("f_end", "task", "end"), flow("f_end", "task", "end", "approved")))
    assert_issue(text, lint(text), "condition-ignored", "f_end", severity="warning")


def gateway(kind="exclusiveGateway", default=None, first="a == 1", second=None, third=None):
    default_attr = f' default="{default}"' if default else ""
    parts = [
        '<bpmn:startEvent id="start" />',
        f'<bpmn:{kind} id="gw"{default_attr} />',
        '<bpmn:endEvent id="e1" />', '<bpmn:endEvent id="e2" />',
        flow("f0", "start", "gw"),
        flow("f1", "gw", "e1", first),
        flow("f2", "gw", "e2", second),
    ]
    if third is not None:
        parts += ['<bpmn:endEvent id="e3" />', flow("f3", "gw", "e3", third)]
    return bpmn("\n".join(parts))


@pytest.mark.parametrize("kind", ["exclusiveGateway", "inclusiveGateway"])
def test_gateway_flow_without_condition_that_is_not_default(kind):
    text = gateway(kind)
    assert_issue(text, lint(text), "gateway-flow-unconditioned", "f2")


def test_default_flow_needs_no_condition():
    assert lint(gateway(default="f2")) == []


def test_whitespace_condition_counts_as_none():
    text = gateway(second="   ", third="a == 3")
    assert_issue(text, lint(text), "gateway-flow-unconditioned", "f2")


def test_gateway_default_must_leave_the_gateway():
    text = gateway(default="f0", second="a == 2")
    assert_issue(text, lint(text), "gateway-default-invalid", "gw")


def test_all_conditions_and_no_default_is_a_warning():
    text = gateway(second="a == 2")
    issue = assert_issue(text, lint(text), "gateway-no-default", "gw", severity="warning")
    assert "no condition holds" in issue.message


def test_unreachable_node_and_dead_end():
    text = bpmn(simple() + '\n<bpmn:userTask id="orphan" />\n<bpmn:endEvent id="orphan_end" />\n'
                + flow("f_orphan", "orphan", "orphan_end")
                + '\n<bpmn:exclusiveGateway id="dead" />\n' + flow("f_dead", "start", "dead"))
    issues = lint(text)
    unreachable = [(i.element_id, i.line) for i in issues if i.code == "unreachable-node"]
    assert unreachable == [("orphan", line_of(text, 'id="orphan"')),
                           ("orphan_end", line_of(text, 'id="orphan_end"'))]
    assert all(i.severity == "warning" for i in issues if i.code == "unreachable-node")
    assert_issue(text, issues, "dead-end", "dead", severity="warning")


def test_boundary_events_event_subprocesses_subprocess_contents_and_links_are_reachable():
    body = """
<bpmn:startEvent id="start" />
<bpmn:subProcess id="sub">
  <bpmn:startEvent id="sub_start" /><bpmn:userTask id="sub_task" /><bpmn:endEvent id="sub_end" />
  <bpmn:sequenceFlow id="s1" sourceRef="sub_start" targetRef="sub_task" />
  <bpmn:sequenceFlow id="s2" sourceRef="sub_task" targetRef="sub_end" />
</bpmn:subProcess>
<bpmn:boundaryEvent id="late" attachedToRef="sub"><bpmn:timerEventDefinition>
  <bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:endEvent id="late_end" />
<bpmn:intermediateThrowEvent id="go"><bpmn:linkEventDefinition name="L" /></bpmn:intermediateThrowEvent>
<bpmn:intermediateCatchEvent id="land"><bpmn:linkEventDefinition name="L" /></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="end" />
<bpmn:subProcess id="on_message" triggeredByEvent="true">
  <bpmn:startEvent id="m_start"><bpmn:messageEventDefinition /></bpmn:startEvent>
  <bpmn:endEvent id="m_end" />
  <bpmn:sequenceFlow id="m1" sourceRef="m_start" targetRef="m_end" />
</bpmn:subProcess>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub" />
<bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="go" />
<bpmn:sequenceFlow id="f3" sourceRef="land" targetRef="end" />
<bpmn:sequenceFlow id="f4" sourceRef="late" targetRef="late_end" />
"""
    issues = lint(bpmn(body))
    assert [i for i in issues if i.code in ("unreachable-node", "dead-end")] == []
    assert {i.element_id for i in issues if i.code == "unsupported-element"} == {"go", "land"}


@pytest.mark.parametrize(
    ("condition", "reason"),
    [("__import__('os').system('id')", "__import__"), ("approved ==", "syntax")],
)
def test_condition_the_sandbox_refuses(condition, reason):
    text = gateway(first=condition, second="not approved")
    issue = assert_issue(text, lint(text), "expression-rejected", "f1")
    assert reason in issue.message


def test_empty_timer_is_rejected():
    text = bpmn(simple('<bpmn:intermediateCatchEvent id="task"><bpmn:timerEventDefinition>\n'
                       "<bpmn:timeDate />\n</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"))
    assert_issue(text, lint(text), "expression-rejected", "task", marker="<bpmn:timeDate />")


def test_loop_cardinality_the_sandbox_refuses():
    text = bpmn(simple('<bpmn:userTask id="task"><bpmn:multiInstanceLoopCharacteristics>\n'
                       "<bpmn:loopCardinality>open('/etc/passwd')</bpmn:loopCardinality>\n"
                       "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"))
    assert_issue(text, lint(text), "expression-rejected", "task", marker="loopCardinality>open")


@pytest.mark.parametrize(
    ("attribute", "code"),
    [
        ('yw:assignee="${__import__(\'os\')}"', "expression-rejected"),
        ('camunda:dueDate="${dateTime().plusDays(2)}"', "juel-unsupported"),
        ('camunda:candidateGroups="clerks,${execution.getVariable(\'g\')}"', "juel-unsupported"),
        ('yw:timeLimit="three"', "time-limit-invalid"),
    ],
)
def test_task_attribute_problems(attribute, code):
    text = bpmn(simple(f'<bpmn:userTask id="task" {attribute} />'))
    issues = lint(text)
    assert_issue(text, issues, code, "task")
    assert {i.code for i in issues} == {code}


def test_task_attribute_expressions_that_translate_are_accepted():
    text = bpmn(simple('<bpmn:userTask id="task" camunda:assignee="${applicant.id}" yw:dueDate="${deadline}" '
                       'camunda:candidateGroups="${department}" yw:timeLimit="5" />'))
    assert lint(text) == []


@pytest.mark.parametrize(
    ("element", "marker"),
    [
        ('<bpmn:sequenceFlow id="f_x" sourceRef="start" targetRef="task">'
         '<bpmn:conditionExpression language="http://www.w3.org/1999/XPath">true</bpmn:conditionExpression>'
         "</bpmn:sequenceFlow>", "XPath"),
        ('<bpmn:sequenceFlow id="f_x" sourceRef="start" targetRef="task">'
         "<bpmn:conditionExpression>= approved</bpmn:conditionExpression></bpmn:sequenceFlow>", "= approved"),
    ],
)
def test_expressions_in_other_languages(element, marker):
    text = bpmn(simple() + "\n" + element)
    issues = lint(text)
    assert_issue(text, issues, "expression-language-unsupported", "f_x", marker=marker)
    assert "expression-rejected" not in {i.code for i in issues}


def test_javascript_script_task():
    text = bpmn(simple('<bpmn:scriptTask id="task" scriptFormat="javascript"><bpmn:script>x = 1</bpmn:script>'
                       "</bpmn:scriptTask>"))
    assert_issue(text, lint(text, scripts_enabled=True), "expression-language-unsupported", "task")


def test_juel_left_in_the_tree_when_normalize_was_skipped():
    text = gateway(first="${a == 1}", second="${a == 2}")
    root = parse_xml(text.encode(), "test.bpmn")
    issues = [i for i in lint_tree(root, "test.bpmn") if i.code == "juel-not-normalized"]
    assert [(i.element_id, i.line) for i in issues] == [("f1", line_of(text, 'id="f1"')),
                                                        ("f2", line_of(text, 'id="f2"'))]


def test_untranslatable_juel_is_reported_once():
    text = gateway(first="${bean.ok()}", second="${!approved}")
    issues = lint(text)
    assert_issue(text, issues, "juel-unsupported", "f1")
    assert [i.code for i in issues if i.element_id == "f1"] == ["juel-unsupported"]


SCRIPT = '<bpmn:scriptTask id="task" scriptFormat="python"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'


def test_script_task_while_scripts_are_disabled():
    text = bpmn(simple(SCRIPT))
    assert_issue(text, lint(text), "script-task-disabled", "task")
    assert lint(text, scripts_enabled=True) == []


def test_pre_script_while_scripts_are_disabled():
    text = bpmn(simple('<bpmn:userTask id="task"><bpmn:extensionElements>\n'
                       "<spiffworkflow:preScript>x = 1</spiffworkflow:preScript>\n"
                       "</bpmn:extensionElements></bpmn:userTask>"))
    assert_issue(text, lint(text), "script-task-disabled", "task", marker="preScript")


def test_unknown_form_key():
    text = bpmn(simple('<bpmn:userTask id="task" camunda:formKey="missing_form" />'))
    assert_issue(text, lint(text, form_keys={"apply_form"}), "unknown-form-key", "task")
    assert lint(text, form_keys={"missing_form"}) == []
    assert lint(text) == []


def test_call_activity_without_target():
    text = bpmn(simple('<bpmn:callActivity id="task" />'))
    assert_issue(text, lint(text), "call-activity-no-target", "task")


# ---------------------------------------------------------------- SpiffWorkflow's verdict


def spiff(text: str, **options):
    root = parse_xml(text.encode("utf-8"), "test.bpmn")
    normalize(root)
    return spiff_validation_issues(root, "test.bpmn", **options)


def test_spiff_accepts_a_clean_process():
    assert spiff(bpmn(simple())) == []


def test_spiff_validation_error_carries_element_id_and_line():
    text = bpmn(simple('<bpmn:userTask id="task"><bpmn:multiInstanceLoopCharacteristics />\n</bpmn:userTask>'))
    [issue] = spiff(text)
    assert (issue.code, issue.severity) == ("spiff-validation", "error")
    assert (issue.element_id, issue.line, issue.file) == ("task", line_of(text, 'id="task"'), "test.bpmn")
    assert "cardinality" in issue.message


def test_spiff_errors_inside_subprocesses_are_found():
    text = bpmn(simple('<bpmn:subProcess id="task"><bpmn:startEvent id="s" /><bpmn:endEvent id="e" />'
                       '<bpmn:sequenceFlow id="fs" sourceRef="s" targetRef="e" />\n'
                       '<bpmn:userTask id="inner"><bpmn:standardLoopCharacteristics /></bpmn:userTask>\n'
                       "</bpmn:subProcess>"))
    text = text.replace('targetRef="e" />\n', 'targetRef="inner" />\n<bpmn:sequenceFlow id="fi" '
                        'sourceRef="inner" targetRef="e" />\n', 1)
    [issue] = spiff(text)
    assert (issue.element_id, issue.line) == ("inner", line_of(text, 'id="inner"'))


def test_document_level_spiff_error_has_a_clear_message():
    [issue] = spiff(bpmn(simple(), outside="<bpmn:message />\n"))
    assert issue.code == "spiff-validation"
    assert issue.element_id is None
    assert "Message identifier is missing" in issue.message


def test_spiff_validation_with_a_shared_parser_only_reports_its_own_document():
    parser = SpiffBpmnParser()
    broken = bpmn(simple('<bpmn:userTask id="task"><bpmn:standardLoopCharacteristics /></bpmn:userTask>'))
    assert len(spiff(broken, parser=parser)) == 1
    clean = bpmn(simple()).replace('id="p"', 'id="q"')
    assert spiff(clean, parser=parser) == []


def test_a_multi_instance_data_item_named_unlike_its_id_is_warned_about():
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics>
        <bpmn:loopDataInputRef>departments</bpmn:loopDataInputRef>
        <bpmn:inputDataItem id="dept_item" name="department"/>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>""".encode()
    from engine.xml_safety import parse_xml

    issues = [i for i in lint_tree(parse_xml(xml)) if i.code == "mi-item-name"]
    assert [(i.element_id, i.line, i.severity) for i in issues] == [("review", 8, "warning")]
