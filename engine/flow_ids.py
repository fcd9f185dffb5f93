"""Sequence flows without an id get a stable one before SpiffWorkflow parses the document.

BPMN lets a ``sequenceFlow`` go without an ``id`` (nothing can refer to it then), and
some tools write them so. SpiffWorkflow indexes flows by id only, so such a flow was
dropped without a word and a case stopped where it should have moved on. Here each gets
``<sourceRef>_to_<targetRef>`` (with ``_2``, ``_3`` ... where that is taken): derived from
the document alone, so every deployment of the same file names it the same.

Code: flow-id-given W.
"""

from __future__ import annotations

from lxml import etree

from .camunda import bpmn_tag
from .errors import LintIssue


def give_flow_ids(root: etree._Element, filename: str | None = None) -> list[LintIssue]:
    """Give every sequence flow without an id a stable one (in place); a warning for each."""
    taken = {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    issues = []
    for flow in root.iter(bpmn_tag("sequenceFlow")):
        if flow.get("id"):
            continue
        base = f"{flow.get('sourceRef') or 'nowhere'}_to_{flow.get('targetRef') or 'nowhere'}"
        flow_id, n = base, 1
        while flow_id in taken:
            n += 1
            flow_id = f"{base}_{n}"
        taken.add(flow_id)
        flow.set("id", flow_id)
        issues.append(LintIssue("flow-id-given", f"this sequence flow has no id; it is called {flow_id!r} in the "
                                "engine's history", element_id=flow_id, line=flow.sourceline, file=filename,
                                severity="warning"))
    return issues

