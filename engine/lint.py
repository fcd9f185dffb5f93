"""Structural checks of a parsed (and normalised) BPMN document before deployment.

:func:`lint_tree` finds what would stop a process from running on SpiffWorkflow,
or make it run differently from the drawing, and reports each finding as a
:class:`~engine.errors.LintIssue` with a stable code, the element id and line.
:func:`spiff_validation_issues` turns SpiffWorkflow's own parse errors into the
same shape. Processes with ``isExecutable="false"`` (pools drawn for other
parties) are only reported as such: nothing inside them is checked.

Codes (E = error, W = warning):
    not-bpmn E, duplicate-id E, no-executable-process E, process-not-executable W,
    no-start-event E, subprocess-start-events E,
    unsupported-element E (W for descriptive collaboration parts), loop-incomplete E,
    sequence-flow-dangling E, implicit-split E, condition-ignored W,
    gateway-flow-unconditioned E, gateway-default-invalid E, gateway-no-default W,
    unreachable-node W, dead-end W, expression-rejected E, expression-language-unsupported E,
    juel-unsupported E,
    juel-not-normalized E, time-limit-invalid E, script-task-disabled E,
    unknown-form-key E, call-activity-no-target E, spiff-validation E,
    spiff-rejected E, spiff-warning W; and from :mod:`engine.lint_names`: event-ref-unknown E,
    reserved-id E.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from .camunda import (
    BPMN_NS,
    EXPRESSION_TAGS,
    SPIFF_NS,
    TIMER_TAGS,
    bpmn_tag,
    camunda_attribute,
    element_location,
    foreign_expression,
    local_name,
)
from .errors import ExpressionRejected, LintIssue
from .expressions import check_expression
from .juel import JuelUnsupported, has_juel, translate_juel
from .lint_names import event_reference_issues, reserved_id_issues
from .task_attributes import (
    expression_in,
    lane_index,
    parse_time_limit,
    raw_time_limit,
    read_task_extensions,
    split_names,
)

BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
FLOW_NODES = frozenset({
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "implicitThrowEvent", "task", "userTask", "manualTask", "serviceTask", "scriptTask",
    "businessRuleTask", "sendTask", "receiveTask", "callActivity", "subProcess", "transaction",
    "adHocSubProcess", "exclusiveGateway", "inclusiveGateway", "parallelGateway",
    "eventBasedGateway", "complexGateway", "choreographyTask", "subChoreography", "callChoreography",
})
# What SpiffWorkflow's parser has a task parser for.
SUPPORTED_FLOW_NODES = frozenset(
    etree.QName(tag).localname
    for tag in {**BpmnParser.PARSER_CLASSES, **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES}
)
# Event definitions SpiffWorkflow reads per event type; any other is silently dropped (an error
# start event, for instance, would make its event subprocess start at once: engine.parser reads
# error and escalation start events of event subprocesses, see _EVENT_SUBPROCESS_ONLY).
SUPPORTED_EVENT_DEFINITIONS = {
    "startEvent": {"message", "signal", "timer", "conditional"},
    "endEvent": {"message", "cancel", "error", "escalation", "terminate"},
    "intermediateCatchEvent": {"message", "signal", "timer", "conditional"},
    "intermediateThrowEvent": {"escalation", "message", "signal"},
    "boundaryEvent": {"cancel", "error", "escalation", "message", "signal", "timer", "conditional"},
}
# Start events that only an event subprocess may have.
_EVENT_SUBPROCESS_ONLY = frozenset({"error", "escalation"})
CONTAINERS = frozenset({"process", "subProcess", "transaction", "adHocSubProcess"})
GATEWAYS_WITH_CONDITIONS = frozenset({"exclusiveGateway", "inclusiveGateway"})
# Nodes SpiffWorkflow lets have several outgoing flows.
SPLITTING_NODES = frozenset({"startEvent", "exclusiveGateway", "inclusiveGateway", "parallelGateway",
                             "eventBasedGateway", "complexGateway"})
_CONVERSATION = ("conversation", "subConversation", "callConversation", "globalConversation")
_SCRIPT_FORMATS = frozenset({"", "python", "text/x-python"})
_EXTENSION_EXPRESSION_KEYS = ("assignee", "dueDate", "candidateGroups", "candidateUsers")


class _Document:
    """The parts of one BPMN document the checks share."""

    def __init__(self, root: etree._Element, filename: str | None) -> None:
        self.root = root
        self.filename = filename
        self.processes = root.findall(bpmn_tag("process"))
        self.executable = [p for p in self.processes if p.get("isExecutable", "true") == "true"]

    def issue(self, code: str, message: str, element: etree._Element, severity: str = "error") -> LintIssue:
        element_id, line = element_location(element)
        return LintIssue(code, message, element_id=element_id, line=line, file=self.filename, severity=severity)

    def executable_elements(self, *names: str) -> Iterator[etree._Element]:
        """Elements with these BPMN names inside executable processes."""
        for process in self.executable:
            yield from process.iter(*(bpmn_tag(n) for n in names))

    def executable_flow_nodes(self) -> Iterator[etree._Element]:
        yield from self.executable_elements(*FLOW_NODES)


def lint_tree(
    root: etree._Element,
    filename: str | None = None,
    *,
    form_keys: set[str] | None = None,
    scripts_enabled: bool = False,
) -> list[LintIssue]:
    """Structural checks of a parsed BPMN document; run :func:`engine.camunda.normalize` first.

    JUEL that normalize could not translate is left to its report (not repeated here).

    Args:
        root: The ``bpmn:definitions`` element.
        filename: Copied into every issue.
        form_keys: Known form keys; None skips the form key check.
        scripts_enabled: Whether script tasks may run in this installation.

    Returns:
        Issues in document order per check; an empty list for a clean document.
    """
    if root.tag != bpmn_tag("definitions"):
        return [LintIssue("not-bpmn", f"root element is {root.tag}, not a BPMN 2.0 definitions element",
                          line=root.sourceline, file=filename)]
    doc = _Document(root, filename)
    checks = [
        _check_ids, _check_processes, _check_subprocesses, _check_elements, _check_loops, _check_flows,
        _check_gateways, _check_reachability, _check_expressions, _check_task_attributes,
        _check_call_activities,
    ]
    issues = [issue for check in checks for issue in check(doc)]
    issues.extend(reserved_id_issues(root, filename))
    issues.extend(event_reference_issues(root, doc.executable, filename))
    issues.extend(_check_scripts(doc, scripts_enabled))
    if form_keys is not None:
        issues.extend(_check_form_keys(doc, form_keys))
    return list(dict.fromkeys(issues))


def _check_ids(doc: _Document) -> Iterator[LintIssue]:
    seen: set[str] = set()
    # Only BPMN's own ids: vendor extensions have their own rules.
    for element in doc.root.iter(f"{{{BPMN_NS}}}*", f"{{{BPMNDI_NS}}}*"):
        element_id = element.get("id")
        # SpiffWorkflow reads data item ids as variable names, so they may repeat.
        if element_id is None or local_name(element) in ("inputDataItem", "outputDataItem"):
            continue
        if element_id in seen:
            yield LintIssue("duplicate-id", f"id {element_id!r} is used more than once", element_id=element_id,
                            line=element.sourceline, file=doc.filename)
        seen.add(element_id)


def _check_processes(doc: _Document) -> Iterator[LintIssue]:
    for process in doc.processes:
        if process not in doc.executable:
            yield doc.issue("process-not-executable", 'isExecutable="false": this process is documentation only '
                            "and cannot be started or called", process, "warning")
        elif process.find(bpmn_tag("startEvent")) is None:
            yield doc.issue("no-start-event", "process has no start event", process)
    if not doc.executable:
        yield LintIssue("no-executable-process", "the document holds no executable process",
                        element_id=doc.root.get("id"), line=doc.root.sourceline, file=doc.filename)


def _check_subprocesses(doc: _Document) -> Iterator[LintIssue]:
    for sub in doc.executable_elements("subProcess", "transaction"):
        starts = sub.findall(bpmn_tag("startEvent"))
        if not starts:
            yield doc.issue("no-start-event", "subprocess has no start event", sub)
        elif len(starts) > 1:
            yield doc.issue("subprocess-start-events", f"subprocess has {len(starts)} start events; "
                            "exactly one is supported", sub)


def _check_elements(doc: _Document) -> Iterator[LintIssue]:
    for node in doc.executable_flow_nodes():
        name = local_name(node)
        if name not in SUPPORTED_FLOW_NODES:
            yield doc.issue("unsupported-element", f"{name} is not supported by the engine", node)
        if node.get("isForCompensation") == "true":
            yield doc.issue("unsupported-element", "compensation activities are not supported", node)
        if name == "adHocSubProcess" and (node.get("ordering") or "").lower() == "sequential":
            yield doc.issue("unsupported-element", "sequential ad hoc subprocesses are not supported", node)
        if name in SUPPORTED_EVENT_DEFINITIONS:
            yield from _check_event_definitions(doc, node, name)
    for element in doc.root.iter(bpmn_tag("dataStore")):
        yield doc.issue("unsupported-element", "data stores are not supported", element)
    for element in doc.root.findall(bpmn_tag("choreography")):
        yield doc.issue("unsupported-element", f"{local_name(element)} (choreography) cannot be executed", element)
    for element in doc.root.iter(*(bpmn_tag(n) for n in _CONVERSATION)):
        yield doc.issue("unsupported-element", f"{local_name(element)} is descriptive and ignored", element,
                        "warning")


def _check_event_definitions(doc: _Document, node: etree._Element, name: str) -> Iterator[LintIssue]:
    definitions = [local_name(c) for c in node if local_name(c).endswith("EventDefinition")]
    in_event_subprocess = _is_event_subprocess(node.getparent())
    for definition in definitions:
        kind = definition[: -len("EventDefinition")]
        if name == "startEvent" and kind in _EVENT_SUBPROCESS_ONLY and not in_event_subprocess:
            yield doc.issue("unsupported-element", f"{kind} startEvents start event subprocesses only", node)
        elif kind not in SUPPORTED_EVENT_DEFINITIONS[name] and not (
                name == "startEvent" and kind in _EVENT_SUBPROCESS_ONLY):
            yield doc.issue("unsupported-element", f"{kind} {name}s are not supported", node)
    if node.find(bpmn_tag("eventDefinitionRef")) is not None:
        yield doc.issue("unsupported-element", "eventDefinitionRef (shared event definitions) is not supported", node)
    if name == "boundaryEvent" and not definitions:
        yield doc.issue("unsupported-element", "a boundary event needs an event definition", node)


def _check_loops(doc: _Document) -> Iterator[LintIssue]:
    for loop in doc.executable_elements("multiInstanceLoopCharacteristics"):
        has_cardinality = loop.find(bpmn_tag("loopCardinality")) is not None
        has_input = loop.find(bpmn_tag("loopDataInputRef")) is not None
        if has_cardinality == has_input:
            yield doc.issue("loop-incomplete", "a multi-instance activity needs exactly one of loopCardinality "
                            "and loopDataInputRef (camunda:collection)", loop)
        for item in (loop.find(bpmn_tag("inputDataItem")), loop.find(bpmn_tag("outputDataItem"))):
            name = item.get("name") if item is not None else None
            if name and name != item.get("id"):
                yield doc.issue("mi-item-name", f"the data item is named {name!r} but SpiffWorkflow uses its id "
                                f"{item.get('id')!r} as the variable name; give both the same value", item,
                                severity="warning")
    for loop in doc.executable_elements("standardLoopCharacteristics"):
        if loop.get("loopMaximum") is None and loop.find(bpmn_tag("loopCondition")) is None:
            yield doc.issue("loop-incomplete", "a loop needs a loopMaximum or a loopCondition", loop)


def _scopes(doc: _Document) -> Iterator[etree._Element]:
    for process in doc.executable:
        yield process
        yield from process.iter(*(bpmn_tag(n) for n in CONTAINERS - {"process"}))


def _children(scope: etree._Element, names: frozenset[str] | set[str]) -> list[etree._Element]:
    return [c for c in scope if local_name(c) in names]


def _flows(scope: etree._Element) -> list[etree._Element]:
    return scope.findall(bpmn_tag("sequenceFlow"))


def _check_flows(doc: _Document) -> Iterator[LintIssue]:
    for scope in _scopes(doc):
        nodes = {n.get("id"): n for n in _children(scope, FLOW_NODES)}
        outgoing = defaultdict(list)
        for flow in _flows(scope):
            for end in ("sourceRef", "targetRef"):
                ref = flow.get(end)
                if ref not in nodes:
                    where = "is missing" if not ref else f"names {ref!r}, which is not a flow node of this (sub)process"
                    yield doc.issue("sequence-flow-dangling", f"{end} {where}", flow)
            outgoing[flow.get("sourceRef")].append(flow)
        for node_id, node in nodes.items():
            name = local_name(node)
            if len(outgoing[node_id]) > 1 and name not in SPLITTING_NODES:
                yield doc.issue("implicit-split", f"{name} has {len(outgoing[node_id])} outgoing flows; "
                                "split with a gateway instead", node)
            if name not in GATEWAYS_WITH_CONDITIONS:
                for flow in outgoing[node_id]:
                    if _condition(flow) is not None:
                        yield doc.issue("condition-ignored", f"conditions are only evaluated on flows leaving "
                                        f"exclusive or inclusive gateways, not a {name}", flow, "warning")


def _condition(flow: etree._Element) -> str | None:
    expression = flow.find(bpmn_tag("conditionExpression"))
    text = (expression.text or "").strip() if expression is not None else ""
    return text or None


def _check_gateways(doc: _Document) -> Iterator[LintIssue]:
    for scope in _scopes(doc):
        outgoing = defaultdict(list)
        for flow in _flows(scope):
            outgoing[flow.get("sourceRef")].append(flow)
        for gateway in _children(scope, GATEWAYS_WITH_CONDITIONS):
            flows = outgoing[gateway.get("id")]
            default = gateway.get("default")
            if default is not None and default not in {f.get("id") for f in flows}:
                yield doc.issue("gateway-default-invalid", f"default flow {default!r} does not leave this gateway",
                                gateway)
            if len(flows) < 2:
                continue
            unconditioned = [f for f in flows if f.get("id") != default and _condition(f) is None]
            for flow in unconditioned:
                yield doc.issue("gateway-flow-unconditioned", f"flow leaving {local_name(gateway)} "
                                f"{gateway.get('id')!r} has no condition and is not its default", flow)
            if not unconditioned and default is None:
                yield doc.issue("gateway-no-default", "no default flow: the instance stops with an error when "
                                "no condition holds", gateway, "warning")


def _check_reachability(doc: _Document) -> Iterator[LintIssue]:
    reached: set[str] = set()
    walked: list[etree._Element] = []
    for process in doc.executable:
        _walk(process, reached, walked)
    for scope in walked:
        sources = {f.get("sourceRef") for f in _flows(scope)}
        for node in _children(scope, FLOW_NODES):
            if node.get("isForCompensation") == "true" or _is_event_subprocess(node):
                continue
            if node.get("id") not in reached:
                yield doc.issue("unreachable-node", "no path from a start event reaches this element", node,
                                "warning")
            elif node.get("id") not in sources and _is_dead_end(node, scope):
                yield doc.issue("dead-end", "no flow leaves this element: its path ends here (an implicit end, "
                                "as if an end event followed)", node, "warning")


def _is_event_subprocess(node: etree._Element) -> bool:
    return local_name(node) == "subProcess" and node.get("triggeredByEvent") == "true"


def _is_dead_end(node: etree._Element, scope: etree._Element) -> bool:
    """Whether a node without outgoing flows ends its path unexpectedly."""
    if local_name(node) == "endEvent" or local_name(scope) == "adHocSubProcess":
        return False
    return node.find(bpmn_tag("linkEventDefinition")) is None  # a link throw continues at its catch


def _walk(scope: etree._Element, reached: set[str], walked: list[etree._Element]) -> None:
    """Mark what a token can reach inside ``scope`` (recursing into reached subprocesses)."""
    walked.append(scope)
    nodes = {n.get("id"): n for n in _children(scope, FLOW_NODES) if n.get("id")}
    targets = defaultdict(list)
    for flow in _flows(scope):
        targets[flow.get("sourceRef")].append(flow.get("targetRef"))
    for node in nodes.values():
        if local_name(node) == "boundaryEvent":
            targets[node.get("attachedToRef")].append(node.get("id"))
    _link_targets(nodes, targets)
    if local_name(scope) == "adHocSubProcess":
        has_incoming = {t for ts in targets.values() for t in ts}
        queue = deque(i for i in nodes if i not in has_incoming)
    else:
        queue = deque(i for i, n in nodes.items() if local_name(n) == "startEvent" or _is_event_subprocess(n))
    while queue:
        node_id = queue.popleft()
        if node_id in reached or node_id not in nodes:
            continue
        reached.add(node_id)
        if local_name(nodes[node_id]) in CONTAINERS:
            _walk(nodes[node_id], reached, walked)
        queue.extend(targets[node_id])


def _link_targets(nodes: dict, targets: dict) -> None:
    """A link throw event continues at the link catch event with the same name."""
    catches = defaultdict(list)
    for node_id, node in nodes.items():
        link = node.find(bpmn_tag("linkEventDefinition"))
        if link is not None and local_name(node) == "intermediateCatchEvent":
            catches[link.get("name") or node.get("name")].append(node_id)
    for node_id, node in nodes.items():
        link = node.find(bpmn_tag("linkEventDefinition"))
        if link is not None and local_name(node) == "intermediateThrowEvent":
            targets[node_id].extend(catches[link.get("name") or node.get("name")])


def _check_expressions(doc: _Document) -> Iterator[LintIssue]:
    for element in doc.executable_elements(*EXPRESSION_TAGS, *TIMER_TAGS):
        text = (element.text or "").strip()
        name = local_name(element)
        foreign = foreign_expression(element)
        if foreign:
            yield doc.issue("expression-language-unsupported", f"{name}: {foreign}: {text}", element)
        elif not text:
            if name not in ("conditionExpression", "completionCondition"):
                yield doc.issue("expression-rejected", f"{name} is empty", element)
        elif has_juel(text):
            if _translatable(text):  # untranslatable JUEL is reported by engine.camunda.normalize
                yield doc.issue("juel-not-normalized", f"{name} is JUEL; run engine.camunda.normalize first",
                                element)
        else:
            rejection = _rejection(text)
            if rejection:
                yield doc.issue("expression-rejected", f"{name}: {rejection}", element)


def _translatable(juel: str) -> bool:
    try:
        translate_juel(juel)
    except JuelUnsupported:
        return False
    return True


def _rejection(expression: str) -> str | None:
    """Why the sandbox refuses ``expression``, or None when it accepts it."""
    try:
        check_expression(expression)
    except ExpressionRejected as error:
        return f"{error.message}: {expression}"
    return None


def _check_task_attributes(doc: _Document) -> Iterator[LintIssue]:
    lanes = lane_index(doc.root)
    for node in doc.executable_flow_nodes():
        attributes = read_task_extensions(node, lanes=lanes)
        for key in _EXTENSION_EXPRESSION_KEYS:
            untranslatable = _untranslatable_juel(node, key)
            values = attributes[key] if isinstance(attributes[key], list) else [attributes[key]]
            for value in filter(None, values):
                if value in untranslatable:
                    yield doc.issue("juel-unsupported", f"{key}: {untranslatable[value]}: {value}", node)
                    continue
                expression = expression_in(value)
                rejection = _rejection(expression) if expression is not None else None
                if rejection:
                    yield doc.issue("expression-rejected", f"{key}: {rejection}", node)
        limit = raw_time_limit(node)
        if limit is not None:
            try:
                parse_time_limit(limit)
            except ValueError:
                yield doc.issue("time-limit-invalid", f"time limit must be a positive number of working days, "
                                f"not {limit!r}", node)


def _untranslatable_juel(node: etree._Element, key: str) -> dict[str, str]:
    """Camunda ``key`` items whose JUEL has no Python equivalent -> why."""
    failed = {}
    for item in split_names(camunda_attribute(node, key)):
        if has_juel(item):
            try:
                translate_juel(item)
            except JuelUnsupported as error:
                failed[item] = error.message
    return failed


def _check_scripts(doc: _Document, scripts_enabled: bool) -> Iterator[LintIssue]:
    for task in doc.executable_elements("scriptTask"):
        language = (task.get("scriptFormat") or "").strip()
        if language.lower() not in _SCRIPT_FORMATS:
            yield doc.issue("expression-language-unsupported", f"scripts in {language!r} cannot run here; "
                            "only Python scripts can", task)
    if scripts_enabled:
        return
    for task in doc.executable_elements("scriptTask"):
        yield doc.issue("script-task-disabled", "script tasks are switched off in this installation", task)
    for process in doc.executable:
        for script in process.iter(f"{{{SPIFF_NS}}}preScript", f"{{{SPIFF_NS}}}postScript"):
            if (script.text or "").strip():
                yield doc.issue("script-task-disabled", f"{local_name(script)}s are switched off in this "
                                "installation", script)


def _check_form_keys(doc: _Document, form_keys: set[str]) -> Iterator[LintIssue]:
    lanes = lane_index(doc.root)
    for node in doc.executable_flow_nodes():
        form_key = read_task_extensions(node, lanes=lanes)["formKey"]
        if form_key is not None and form_key not in form_keys:
            yield doc.issue("unknown-form-key", _unknown_form_message(form_key), node)


def _unknown_form_message(form_key: str) -> str:
    if ":" in form_key or "/" in form_key:  # Camunda's embedded:app:forms/x.html, camunda-forms:...
        return (f"formKey {form_key!r} names a form file of another product, which is not shown here; "
                "name a published form (yw:formKey)")
    return (f"form {form_key!r} is not published: publish it first, or deploy this BPMN with its forms as "
            f"one service item bundle (a zip with item.json, the BPMN and forms/{form_key}.json; "
            "see docs/service-items.md)")


def _check_call_activities(doc: _Document) -> Iterator[LintIssue]:
    for call in doc.executable_elements("callActivity"):
        if not (call.get("calledElement") or "").strip():
            yield doc.issue("call-activity-no-target", "call activity names no process (calledElement)", call)
