"""Implicit end events: a path that stops at an element with no outgoing flow ends there.

BPMN allows a process or subprocess without end events: a token that reaches an activity,
event or gateway with no outgoing sequence flow is consumed there, and the (sub)process
completes once no token is left. SpiffWorkflow ends a (sub)process only through an end
event, so a subprocess without one never handed control back (and its parser refused it
outright). Here, through the process parser, every such element is connected to the
process's end join, which completes the (sub)process when every other path has ended
(see :class:`engine.event_subprocess.ProcessEnd`).

Not implicit ends: end events (already connected), boundary events (they continue after
their activity), link throw events (they continue at their catch), compensation
handlers and event subprocesses (started by events, not by flows).
"""

from __future__ import annotations

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

_NOT_FLOW_NODES = frozenset({
    "sequenceFlow", "endEvent", "boundaryEvent", "dataObject", "dataObjectReference", "dataStoreReference",
    "textAnnotation", "association", "group", "laneSet", "ioSpecification", "extensionElements",
    "documentation", "property", "multiInstanceLoopCharacteristics", "standardLoopCharacteristics",
    "incoming", "outgoing", "dataInputAssociation", "dataOutputAssociation", "ioBinding",
})


def connect_implicit_ends(process_parser) -> None:
    """Connect each element of the parsed (sub)process that has no outgoing flow to its end join."""
    spec = process_parser.spec
    for node in process_parser.node:
        if not isinstance(node.tag, str) or not _ends_a_path(node):
            continue
        node_id = node.get("id")
        if not node_id or process_parser.get_outgoing_sequence_flows(node_id):
            continue
        for name in (node_id, f"{node_id}.BoundaryEventJoin"):
            task_spec = spec.task_specs.get(name)  # absent when no path reaches the element
            if task_spec is not None and not task_spec.outputs:
                task_spec.connect(spec.end)


def _ends_a_path(node: etree._Element) -> bool:
    name = etree.QName(node).localname
    if name in _NOT_FLOW_NODES or node.get("triggeredByEvent") == "true" or node.get("isForCompensation") == "true":
        return False
    return not any(isinstance(c.tag, str) and etree.QName(c).localname == "linkEventDefinition" for c in node)


def subprocess_spec(task_parser) -> str:
    """Parse an embedded subprocess's own spec; the name of that spec.

    As SpiffWorkflow's ``SubprocessParser.get_subprocess_spec``, without its demand for an
    end event (the subprocess may end implicitly).
    """
    starts = task_parser.xpath("./bpmn:startEvent")
    if len(starts) != 1:
        raise ValidationException(f"Exactly one start event is required in a SubWorkflow Task; found {len(starts)}.",
                                  node=task_parser.node, file_name=task_parser.filename)
    parser = task_parser.process_parser.parser
    parser.create_parser(task_parser.node, filename=task_parser.filename, lane=task_parser.lane)
    spec_id = task_parser.node.get("id")
    parser.process_parsers[spec_id].parent = task_parser.process_parser
    return spec_id
