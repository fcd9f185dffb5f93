"""Names in a BPMN document that SpiffWorkflow resolves its own way, checked before it sees them.

* ``messageRef``, ``signalRef``, ``errorRef`` and ``escalationRef`` of an event definition
  must name a ``bpmn:message`` (``signal``, ``error``, ``escalation``) of the same document:
  SpiffWorkflow looks them up there, and its error for a missing one is a crash of its own
  (``TypeError: ... unexpected keyword argument 'node'``). A message or signal event with
  neither a reference nor a name of its own could never be matched (and had no name to be
  waited for under).
* Element ids must not be the names SpiffWorkflow gives its own task specs (``Start``,
  ``End``, ``<process>.EndJoin`` ...): the element would be mistaken for the internal spec
  of that name, and a process deployed with a start event called ``Start`` could never
  start (``No output task connected``).

Codes: event-ref-unknown E, reserved-id E.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lxml import etree

from .camunda import BPMN_NS, bpmn_tag, element_location, local_name
from .errors import LintIssue

_REFERENCES = {
    "messageEventDefinition": ("messageRef", "message"),
    "signalEventDefinition": ("signalRef", "signal"),
    "errorEventDefinition": ("errorRef", "error"),
    "escalationEventDefinition": ("escalationRef", "escalation"),
}
# Without a reference, SpiffWorkflow takes the event's own name as the message or signal name.
_NAMED_BY_EVENT = frozenset({"message", "signal"})
# Task spec names SpiffWorkflow 3.2 creates for every process, and the suffixes it adds to element ids.
RESERVED_NAMES = frozenset({"Start", "End", "Root", "StartEventSplit", "StartEventJoin"})
RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin", " [child]")


def event_reference_issues(root: etree._Element, processes: Iterable[etree._Element],
                           filename: str | None) -> Iterator[LintIssue]:
    """Event definitions in ``processes`` whose reference names nothing in the document."""
    declared = {kind: {e.get("id") for e in root.iter(bpmn_tag(kind))} for _, kind in _REFERENCES.values()}
    for process in processes:
        for definition in process.iter(*(bpmn_tag(name) for name in _REFERENCES)):
            attribute, kind = _REFERENCES[local_name(definition)]
            ref = definition.get(attribute)
            element_id, line = element_location(definition)
            if ref is None and kind in _NAMED_BY_EVENT and not definition.getparent().get("name"):
                yield LintIssue("event-ref-unknown", f"the {kind} event names no {kind}: set {attribute} (or give "
                                f"the event a name, which is then the {kind}'s name)", element_id=element_id,
                                line=line, file=filename)
            if ref is None or ref in declared[kind]:
                continue
            yield LintIssue("event-ref-unknown", f"{attribute} {ref!r} names no bpmn:{kind} of this document; "
                            f"declare <bpmn:{kind} id={ref!r}> at the top of the file", element_id=element_id,
                            line=line, file=filename)


def reserved_id_issues(root: etree._Element, filename: str | None) -> Iterator[LintIssue]:
    """BPMN elements whose id is a name the engine keeps for itself."""
    for element in root.iter(f"{{{BPMN_NS}}}*"):
        element_id = element.get("id")
        if element_id is None:
            continue
        if element_id in RESERVED_NAMES or element_id.endswith(RESERVED_SUFFIXES):
            yield LintIssue("reserved-id", f"the id {element_id!r} is a name the engine uses for its own steps; "
                            "give this element another id", element_id=element_id, line=element.sourceline,
                            file=filename)
