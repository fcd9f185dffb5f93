"""How a completed case ended, read from the end event its process reached.

A process ends at one of its end events; those marked ``yw:notice="refusal"``
(不予许可, 不予登记, 不予发放 ...) end the case with the outcome ``denied``, every
other end event with ``completed``. The engine records the end events a case
reached (history ``instance.completed``); which of them are refusals is read once
per process definition from its BPMN (definitions never change once deployed).
"""

from __future__ import annotations

from sqlalchemy import select

from engine.camunda import BPMN_NS, YIWANG_NS
from engine.models import HistoryEvent, ProcessDefinition, ProcessInstance
from engine.xml_safety import parse_xml

DENIED, COMPLETED = "denied", "completed"
# definition id -> ids of its refusal end events; per process, filled on first use.
_REFUSAL_ENDS: dict[int, frozenset[str]] = {}


def refusal_end_events(session, definition_id: int) -> frozenset[str]:
    """Ids of the definition's end events marked ``yw:notice="refusal"``."""
    found = _REFUSAL_ENDS.get(definition_id)
    if found is None:
        sources = session.scalar(select(ProcessDefinition.sources).where(ProcessDefinition.id == definition_id))
        ids = set()
        for name, text in (sources or {}).items():
            root = parse_xml(text, filename=name)
            ids.update(end.get("id") for end in root.iter(f"{{{BPMN_NS}}}endEvent")
                       if end.get(f"{{{YIWANG_NS}}}notice") == "refusal")
        found = _REFUSAL_ENDS[definition_id] = frozenset(ids)
    return found


def completed_outcome(session, instance_id: str) -> str:
    """``denied`` when the case's process ended at a refusal end event, else ``completed``."""
    ends = session.scalar(
        select(HistoryEvent.details)
        .where(HistoryEvent.instance_id == instance_id, HistoryEvent.action == "instance.completed")
        .order_by(HistoryEvent.id.desc()).limit(1)
    )
    reached = set((ends or {}).get("end_events") or [])
    if not reached:
        return COMPLETED
    definition_id = session.scalar(select(ProcessInstance.definition_id).where(ProcessInstance.id == instance_id))
    return DENIED if reached & refusal_end_events(session, definition_id) else COMPLETED
