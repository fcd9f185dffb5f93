"""Errors and escalations are caught where BPMN scopes them: from where they were thrown, outwards.

SpiffWorkflow's own (``spiff``) error and escalation definitions throw to the whole case, so
any waiting catch event anywhere could take them, and an event subprocess could not tell
whether an error came from its own scope. The definitions here (installed by the parser's
``parse_error_event`` / ``parse_escalation_event`` and known to the serializer) throw with
the (sub)process they come from as target, as SpiffWorkflow's BPMN ones do; the workflow
(:class:`engine.workflow.YiwangWorkflow`) then asks :func:`catch_in_scope` first.

A case stored before keeps SpiffWorkflow's classes: its throws and catches still match.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import ErrorEventDefinition, EscalationEventDefinition

from .event_subprocess import is_listening


class Scoped:
    """Throws to the (sub)process of the throwing task, with SpiffWorkflow's payload.

    On its way it becomes SpiffWorkflow's own definition again (:meth:`as_spiff`), and a
    scoped definition equals SpiffWorkflow's of the same kind and code: catches and throws
    of definitions deployed before (a called process of an older version) still meet.
    """

    SPIFF: type

    def throw(self, my_task):
        payload = (my_task.workflow.script_engine.evaluate(my_task, self.expression)
                   if self.expression is not None else None)
        my_task.workflow.top_workflow.catch(BpmnEvent(self, payload=payload, target=my_task.workflow))

    def as_spiff(self):
        return self.SPIFF(self.name, expression=self.expression, variable=self.variable, code=self.code,
                          description=self.description)

    def __eq__(self, other):
        return isinstance(other, self.SPIFF) and self.code in (None, other.code)

    __hash__ = None


class ScopedErrorEventDefinition(Scoped, ErrorEventDefinition):
    SPIFF = ErrorEventDefinition


class ScopedEscalationEventDefinition(Scoped, EscalationEventDefinition):
    SPIFF = EscalationEventDefinition


SCOPED = {ErrorEventDefinition: ScopedErrorEventDefinition, EscalationEventDefinition: ScopedEscalationEventDefinition}


class ScopedCodeEvents:
    """Mixin for event parsers: error and escalation definitions throw to their scope."""

    def parse_error_event(self, node):
        return _scoped(super().parse_error_event(node))

    def parse_escalation_event(self, node):
        return _scoped(super().parse_escalation_event(node))


def _scoped(definition):
    scoped = SCOPED[type(definition)](definition.name, expression=definition.expression,
                                      variable=definition.variable, code=definition.code,
                                      description=definition.description)
    return scoped


def catch_in_scope(workflow, event) -> bool:
    """Deliver an error or escalation to the event subprocess of the innermost scope that has one.

    From the (sub)process that threw it outwards: at each level the catching events
    SpiffWorkflow itself looks for (boundary events) come first, then the level's event
    subprocesses whose start event catches it. Returns whether a listener caught it;
    otherwise ``event.target`` is where SpiffWorkflow's own search should begin.
    """
    manager = workflow.event_manager
    level = event.target
    while level is not None:
        if any(t.workflow is level and t.task_spec.event_definition.catches(t, event)
               for t in manager.tasks.values()):
            event.target = level
            return False
        listeners = [t for t in manager.tasks.values()
                     if _listener_scope(t) is level and t.task_spec.catches(t, event)]
        for task in listeners:
            owner = workflow.get_task_from_id(task.workflow.parent_task_id)
            task.task_spec.catch(task, event)
            task.task_spec._update(task)
            owner.task_spec._update(owner)  # interrupts now, not after the engine's next pass
        if listeners:
            return True
        level = level.parent_workflow
    return False


def _listener_scope(task):
    """The (sub)process whose event subprocess waits at this start event, or None."""
    owner_id = getattr(task.workflow, "parent_task_id", None)
    if owner_id is None or not isinstance(task.task_spec, StartEvent):
        return None
    owner = task.workflow.top_workflow.get_task_from_id(owner_id)
    return owner.workflow if is_listening(owner) else None
