"""yiwang's BPMN parser: SpiffWorkflow's, extended only through its declared points.

* Every task spec gets ``extensions["yiwang"]``: candidate groups, assignee, form
  key and time limit read from our own, Camunda's or SpiffWorkflow's attributes
  (:func:`engine.task_attributes.read_task_extensions`).
* Service and script tasks are parsed into *deferred* specs (``manual = True``):
  ``do_engine_steps`` stops in front of them and a background job runs them, so a
  failing remote system becomes a retryable incident instead of a failed step.
* Event subprocesses are parsed into :class:`~engine.event_subprocess.EventSubprocessSpec`
  listeners started with their process, whatever event starts them.
* A path that stops at an element without outgoing flows ends its (sub)process there
  (:mod:`engine.implicit_end`).
"""

from __future__ import annotations

from lxml import etree
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.parser.event_parsers import (
    CONDITIONAL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TIMER_EVENT_XPATH,
)
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffEndEventParser,
    SpiffIntermediateThrowEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, SpiffProcessParser
from SpiffWorkflow.spiff.parser.task_spec import (
    BusinessRuleTaskParser,
    CallActivityParser,
    ScriptTaskParser,
    SpiffTaskParser,
    SubWorkflowParser,
    UserTaskParser,
)
from SpiffWorkflow.spiff.specs.defaults import ScriptTask, ServiceTask

from .event_subprocess import EventSubprocessSpec, install_process_end, is_interrupting
from .implicit_end import connect_implicit_ends, subprocess_spec
from .scoped_events import ScopedCodeEvents
from .multi_instance import CheckedParallelMultiInstance, CheckedSequentialMultiInstance
from .task_attributes import read_task_extensions

YIWANG_NS = "urn:yiwang:bpmn:1.0"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"


class DeferredServiceTask(ServiceTask):
    """A service task that the engine leaves READY for a background job to run."""

    def __init__(self, wf_spec, name, *args, **kwargs):
        super().__init__(wf_spec, name, *args, **kwargs)
        self.manual = True


class DeferredScriptTask(ScriptTask):
    """A script task that runs in the sandbox from a background job."""

    def __init__(self, wf_spec, name, *args, **kwargs):
        super().__init__(wf_spec, name, *args, **kwargs)
        self.manual = True


class _YiwangExtensions:
    """Adds our normalised attributes next to SpiffWorkflow's own extensions."""

    PARALLEL_MI_CLASS = CheckedParallelMultiInstance
    SEQUENTIAL_MI_CLASS = CheckedSequentialMultiInstance

    def parse_extensions(self, node=None):
        node = self.node if node is None else node
        extensions = SpiffTaskParser._parse_extensions(node)
        extensions["yiwang"] = read_task_extensions(node)
        return extensions


class TaskParser(_YiwangExtensions, SpiffTaskParser):
    pass


class HumanTaskParser(_YiwangExtensions, UserTaskParser):
    pass


class SubprocessParser(_YiwangExtensions, SubWorkflowParser):
    """Embedded subprocesses, and event subprocesses (``triggeredByEvent="true"``)."""

    def create_task(self):
        extensions = self.parse_extensions()
        scripts = {"prescript": extensions.get("preScript"), "postscript": extensions.get("postScript")}
        if self.node.get("triggeredByEvent") != "true":
            return self.spec_class(self.spec, self.bpmn_id, subworkflow_spec=subprocess_spec(self), **scripts,
                                   **self.bpmn_attributes)
        return EventSubprocessSpec(
            self.spec,
            self.bpmn_id,
            subworkflow_spec=subprocess_spec(self),
            interrupting=is_interrupting(self.node),
            **scripts,
            **self.bpmn_attributes,
        )


class CallParser(_YiwangExtensions, CallActivityParser):
    pass


class RuleTaskParser(_YiwangExtensions, BusinessRuleTaskParser):
    @staticmethod
    def get_decision_ref(node):
        ref = SpiffTaskParser._parse_extensions(node).get("calledDecisionId")
        return ref or node.get(f"{{{CAMUNDA_NS}}}decisionRef") or node.get(f"{{{YIWANG_NS}}}decisionRef")


class ScriptParser(_YiwangExtensions, ScriptTaskParser):
    pass


class StartParser(ScopedCodeEvents, _YiwangExtensions, SpiffStartEventParser):
    """Start events carry the application form's key; in event subprocesses they may catch errors and escalations."""

    def create_task(self):
        kinds = [MESSAGE_EVENT_XPATH, SIGNAL_EVENT_XPATH, TIMER_EVENT_XPATH, CONDITIONAL_EVENT_XPATH]
        if self.node.getparent().get("triggeredByEvent") == "true":
            kinds += [ERROR_EVENT_XPATH, ESCALATION_EVENT_XPATH]
        task = self._create_task(self.get_event_definition(kinds))
        self.spec.start.connect(task)
        return task


class EndParser(ScopedCodeEvents, SpiffEndEventParser):
    """End events throw errors and escalations to their own scope (engine.scoped_events)."""


class BoundaryParser(ScopedCodeEvents, SpiffBoundaryEventParser):
    """Boundary events catch the scoped errors and escalations."""


class ThrowParser(ScopedCodeEvents, SpiffIntermediateThrowEventParser):
    """Intermediate throw events throw escalations to their own scope."""


class ServiceParser(_YiwangExtensions, SpiffTaskParser):
    """Service tasks name a connector: spiff operator, ``yw:connector`` or ``camunda:topic``."""

    def create_task(self):
        extensions = self.parse_extensions()
        operator = extensions.get("serviceTaskOperator")
        if operator is None:
            name = (
                self.node.get(f"{{{YIWANG_NS}}}connector")
                or self.node.get(f"{{{CAMUNDA_NS}}}topic")
            )
            if not name:
                raise ValidationException(
                    "service task names no connector (set yw:connector or camunda:topic)",
                    node=self.node,
                    file_name=self.filename,
                )
            operator = {
                "name": name,
                "parameters": _connector_params(self.node),
                "resultVariable": self.node.get(f"{{{YIWANG_NS}}}resultVariable")
                or self.node.get(f"{{{CAMUNDA_NS}}}resultVariable"),
            }
        return self.spec_class(
            self.spec,
            self.bpmn_id,
            operation_name=operator["name"],
            operation_params=operator["parameters"],
            result_variable=operator["resultVariable"],
            retries=operator.get("retries"),
            retry_backoff_base=operator.get("retryBackoffBase"),
            **self.bpmn_attributes,
        )


def _connector_params(node) -> dict:
    """``<yw:param name="x" value="expr"/>`` children of extensionElements."""
    params = {}
    for param in node.iterfind(f"./{{*}}extensionElements/{{{YIWANG_NS}}}param"):
        params[param.get("name")] = {"value": param.get("value"), "type": param.get("type", "any")}
    return params


class YiwangProcessParser(SpiffProcessParser):
    """Every event subprocess listens from the start of its process (none waits to be created on catch)."""

    def create_spec(self):
        spec = super().create_spec()
        install_process_end(spec)
        return spec

    def add_tasks(self):
        super().add_tasks()
        start = self.spec.start
        for name in start.trigger_specs:
            listener = self.spec.task_specs[name]
            start.connect(listener)
            listener.connect(self.spec.end)
        start.trigger_specs = []
        connect_implicit_ends(self)


class YiwangParser(SpiffBpmnParser):
    """SpiffBpmnParser with our attribute reading, deferred service/script tasks and event subprocesses."""

    PROCESS_PARSER_CLASS = YiwangProcessParser

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("task"): (TaskParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("task")][1]),
        full_tag("userTask"): (HumanTaskParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("userTask")][1]),
        full_tag("manualTask"): (TaskParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("manualTask")][1]),
        full_tag("subProcess"): (SubprocessParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("subProcess")][1]),
        full_tag("transaction"): (
            SubprocessParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("transaction")][1],
        ),
        full_tag("callActivity"): (CallParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("callActivity")][1]),
        full_tag("businessRuleTask"): (
            RuleTaskParser,
            SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("businessRuleTask")][1],
        ),
        full_tag("startEvent"): (StartParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("startEvent")][1]),
        full_tag("endEvent"): (EndParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("endEvent")][1]),
        full_tag("boundaryEvent"): (
            BoundaryParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("boundaryEvent")][1]),
        full_tag("intermediateThrowEvent"): (
            ThrowParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("intermediateThrowEvent")][1]),
        full_tag("scriptTask"): (ScriptParser, DeferredScriptTask),
        full_tag("serviceTask"): (ServiceParser, DeferredServiceTask),
    }


def element_line(root: etree._Element, element_id: str | None) -> int | None:
    """Source line of the element with this id, for error messages."""
    if not element_id:
        return None
    found = root.xpath("//*[@id=$id]", id=element_id)
    return found[0].sourceline if found else None
