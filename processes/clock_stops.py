"""Special procedures stop the legal clock: 专家评审, 听证, 公示, 现场勘查 and the like.

The time a case spends in such a procedure does not count against its promised limit
(承诺时限); the process declares which steps they are with ``yw:clock="stopped"``.
When a case actually enters one (the step's task opens), a
:class:`~processes.case_models.ClockPause` with reason ``procedure`` starts at the
moment the task opened and ends at the moment it was completed (or cancelled), so
the deadline moves back by exactly the working days the procedure took, whoever
notices first: the case step that opened it, or the supervision sweep for steps
moved by background jobs or the command line.

The applicant's correction step is clock-stopped too; its pause is the correction's
own (:mod:`processes.corrections`), which issues the notice, so a task that already
has a pause of any reason gets no second one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine.models import ProcessDefinition, WorkTask
from engine.xml_safety import parse_xml

from .case_models import Case, ClockPause
from .deadlines import end_pause, load_calendar, pause_clock
from .process_outline import CLOCK_STOPPED

REASON = "procedure"
_CLOCK = "{urn:yiwang:bpmn:1.0}clock"
# content hash -> ids of the clock-stopped elements of that deployment (definitions never change).
_STOPPED: dict[str, frozenset[str]] = {}


def sync(session, case: Case, now: datetime) -> None:
    """Open and end the case's procedure pauses to match its clock-stopped steps (idempotent)."""
    rows = session.execute(select(WorkTask, ProcessDefinition.content_hash)
                           .join(ProcessDefinition, ProcessDefinition.id == WorkTask.definition_id)
                           .where(WorkTask.instance_id == case.instance_id)
                           # the engine wrote task states with Core statements: read them, not the identity map
                           .execution_options(populate_existing=True)).all()
    stopped = sorted((task for task, digest in rows if task.element_id in _stopped_elements(session, task, digest)),
                     key=lambda t: (t.created_at, t.id))
    if not stopped:
        return
    # The newest pause of each task (a step returned to and worked again has had several).
    pauses = {p.task_id: p for p in session.scalars(select(ClockPause).where(ClockPause.case_id == case.instance_id)
                                                    .order_by(ClockPause.id))}
    calendar = None
    for task in stopped:
        pause = pauses.get(task.id)
        if pause is None:
            pause = pause_clock(session, case, reason=REASON, now=task.created_at, task_id=task.id)
        elif pause.reason == REASON and pause.ended_at is not None and task.state == "ready":
            # Opened again (returned to): the procedure runs again from now.
            pause = pause_clock(session, case, reason=REASON, now=max(now, pause.ended_at), task_id=task.id)
        if pause.reason == REASON and pause.ended_at is None and task.state != "ready":
            calendar = calendar or load_calendar(session)
            end_pause(session, case, pause, calendar, task.completed_at or now)


def _stopped_elements(session, task: WorkTask, digest: str) -> frozenset[str]:
    """Ids of the elements the task's deployment declares ``yw:clock="stopped"``."""
    if digest not in _STOPPED:
        sources = session.scalar(select(ProcessDefinition.sources).where(ProcessDefinition.id == task.definition_id))
        ids = set()
        for name, text in (sources or {}).items():
            if name.endswith(".bpmn"):
                root = parse_xml(text, filename=name)
                ids.update(e.get("id") for e in root.iter() if e.get(_CLOCK) == CLOCK_STOPPED and e.get("id"))
        _STOPPED[digest] = frozenset(ids)
    return _STOPPED[digest]
