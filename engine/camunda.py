"""Make BPMN drawn in Camunda Modeler 7 run unchanged on SpiffWorkflow.

:func:`normalize` rewrites a parsed tree in place, before SpiffWorkflow parses it:

* JUEL (``${...}`` / ``#{...}``) in conditions, loop cardinalities, completion
  conditions and timers becomes the Python expression our sandbox evaluates
  (:func:`engine.juel.translate_juel`); a bare ISO 8601 timer text (``PT5M``) becomes the
  Python string ``"PT5M"``, because SpiffWorkflow evaluates timer text.
* ``camunda:collection`` / ``camunda:elementVariable`` on a multi-instance
  activity become the standard ``loopDataInputRef`` / ``inputDataItem``.
* ``camunda:decisionRef`` on a business rule task becomes SpiffWorkflow's
  ``calledDecisionId`` extension.

What cannot be translated is returned as :class:`~engine.errors.LintIssue`
(``juel-unsupported`` and ``camunda-unsupported`` errors; ``camunda-ignored``,
``mi-variables`` and ``mi-element-variable`` warnings). Activiti and Flowable
files use the same attribute names in their own namespaces and are read too.

Camunda's multi-instance variables (``nrOfInstances`` ...) are not task data in
SpiffWorkflow; :func:`multi_instance_variables` computes them for a script engine
that wants to offer them (see its docstring).
"""

from __future__ import annotations

import json
import keyword
import re
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask, SequentialMultiInstanceTask
from SpiffWorkflow.util.task import TaskState

from .errors import LintIssue
from .juel import JuelUnsupported, has_juel, translate_juel, translate_with_names

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ACTIVITI_NS = "http://activiti.org/bpmn"
FLOWABLE_NS = "http://flowable.org/bpmn"
CAMUNDA_NAMESPACES = (CAMUNDA_NS, ACTIVITI_NS, FLOWABLE_NS)
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
YIWANG_NS = "urn:yiwang:bpmn:1.0"

MI_VARIABLES = frozenset({"nrOfInstances", "nrOfCompletedInstances", "nrOfActiveInstances", "loopCounter"})

EXPRESSION_TAGS = ("conditionExpression", "condition", "loopCardinality", "completionCondition", "loopCondition")
TIMER_TAGS = ("timeDate", "timeDuration", "timeCycle")

# Parts of an element: an issue about them is reported against the element that owns them.
_PART_TAGS = frozenset(
    EXPRESSION_TAGS
    + TIMER_TAGS
    + ("multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "inputDataItem", "outputDataItem")
)


def bpmn_tag(local_name: str) -> str:
    """Clark-notation tag of a BPMN model element."""
    return f"{{{BPMN_NS}}}{local_name}"


def local_name(element: etree._Element) -> str:
    """Tag without namespace ('' for comments and other non-elements)."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def element_location(element: etree._Element) -> tuple[str | None, int | None]:
    """(id, line) to report a problem in ``element``: the id of the element that owns it.

    A condition, timer or loop definition is reported under the flow or activity
    it belongs to, with its own line.
    """
    owner = element
    while owner is not None and (
        local_name(owner) in _PART_TAGS or local_name(owner).endswith("EventDefinition") or owner.get("id") is None
    ):
        owner = owner.getparent()
    return (owner.get("id") if owner is not None else None), element.sourceline


def camunda_attribute(element: etree._Element, name: str) -> str | None:
    """``camunda:<name>`` (or the Activiti / Flowable one) on ``element``."""
    for namespace in CAMUNDA_NAMESPACES:
        value = element.get(f"{{{namespace}}}{name}")
        if value is not None:
            return value
    return None


# ----------------------------------------------------------------------- normalize

# ISO 8601 date, duration or repeating interval, as Camunda accepts bare in timers.
_ISO_TIME = re.compile(
    r"R\d*/\S+"
    r"|P(?=\d|T\d)[0-9YMWD.,]*(?:T[0-9HMS.,]+)?"
    r"|\d{4}-\d{2}-\d{2}(?:T[0-9:.,]+(?:Z|[+-]\d{2}(?::?\d{2})?)?)?(?:/\S+)?"
)
EXPRESSION_LANGUAGES = frozenset({"", "python", "text/x-python", "juel"})
# Child order of tMultiInstanceLoopCharacteristics in the BPMN schema.
_MI_CHILD_ORDER = (
    "loopCardinality",
    "loopDataInputRef",
    "loopDataOutputRef",
    "inputDataItem",
    "outputDataItem",
    "complexBehaviorDefinition",
    "completionCondition",
)


def normalize(root: etree._Element, filename: str | None = None) -> list[LintIssue]:
    """Rewrite a parsed BPMN tree in place into what SpiffWorkflow and our sandbox run.

    Running it twice changes nothing more. Expressions that are not JUEL are taken
    to be Python already and left alone, as are expressions in another language
    (:func:`foreign_expression`; :mod:`engine.lint` reports those). Problems
    inside processes with ``isExecutable="false"`` are not reported.

    Returns:
        Errors for what cannot be translated, warnings for what is ignored.
    """
    issues: list[LintIssue] = []
    for element in root.iter(*(bpmn_tag(t) for t in EXPRESSION_TAGS + TIMER_TAGS)):
        issues.extend(_normalize_expression(element, filename))
    for element in root.iter(bpmn_tag("multiInstanceLoopCharacteristics")):
        issues.extend(_normalize_multi_instance(element, filename))
    for element in root.iter(bpmn_tag("businessRuleTask")):
        issues.extend(_normalize_decision_ref(element, filename))
    issues.extend(_untranslatable_extensions(root, filename))
    documentation_only = {
        element.get("id")
        for process in root.iter(bpmn_tag("process"))
        if process.get("isExecutable", "true") != "true"
        for element in process.iter()
        if isinstance(element.tag, str) and element.get("id")
    }
    return [issue for issue in issues if issue.element_id not in documentation_only]


def foreign_expression(element: etree._Element) -> str | None:
    """Why an expression element is in a language we cannot evaluate, or None."""
    language = (element.get("language") or "").strip()
    if language.lower() not in EXPRESSION_LANGUAGES:
        return f"expression language {language!r} cannot run here"
    if camunda_attribute(element, "resource") is not None:
        return "expressions loaded from a resource (camunda:resource) cannot run here"
    text = (element.text or "").strip()
    if text.startswith("=") and not text.startswith("=="):
        return "this looks like a Camunda 8 (FEEL) expression, which cannot run here"
    return None


def _issue(code: str, message: str, element: etree._Element, filename: str | None, severity="error") -> LintIssue:
    element_id, line = element_location(element)
    return LintIssue(code, message, element_id=element_id, line=line, file=filename, severity=severity)


def _translate_element_text(element: etree._Element, filename: str | None) -> list[LintIssue]:
    try:
        python, names = translate_with_names(element.text or "")
    except JuelUnsupported as error:
        return [_issue("juel-unsupported", f"{error.message}: {(element.text or '').strip()}", element, filename)]
    element.text = python
    used = sorted(names & MI_VARIABLES)
    if not used:
        return []
    message = (
        f"uses Camunda's multi-instance variables {', '.join(used)}: SpiffWorkflow does not provide them,"
        " so the expression only works where the script engine adds engine.camunda.multi_instance_variables()"
    )
    return [_issue("mi-variables", message, element, filename, severity="warning")]


def _normalize_expression(element: etree._Element, filename: str | None) -> list[LintIssue]:
    text = (element.text or "").strip()
    if not text or foreign_expression(element):
        return []
    if has_juel(text):
        return _translate_element_text(element, filename)
    if local_name(element) in TIMER_TAGS and _ISO_TIME.fullmatch(text):
        element.text = json.dumps(text)
    return []


def _normalize_multi_instance(loop: etree._Element, filename: str | None) -> list[LintIssue]:
    collection = camunda_attribute(loop, "collection")
    element_variable = camunda_attribute(loop, "elementVariable")
    issues: list[LintIssue] = []
    if collection is not None and loop.find(bpmn_tag("loopDataInputRef")) is None:
        if loop.find(bpmn_tag("loopCardinality")) is not None:
            return [_issue("camunda-unsupported", "both loopCardinality and camunda:collection are set; keep one",
                           loop, filename)]
        try:
            name = translate_juel(collection).strip()
        except JuelUnsupported as error:
            return [_issue("juel-unsupported", f"{error.message}: {collection}", loop, filename)]
        if not name.isidentifier() or keyword.iskeyword(name):
            return [_issue("juel-unsupported", f"camunda:collection must name a process variable, not {collection!r}",
                           loop, filename)]
        _insert_child(loop, "loopDataInputRef").text = name
    if element_variable and loop.find(bpmn_tag("inputDataItem")) is None:
        item = _insert_child(loop, "inputDataItem")
        item.set("id", element_variable)
        item.set("name", element_variable)
    if element_variable and loop.find(bpmn_tag("outputDataItem")) is None:
        issues.append(_element_variable_issue(loop, element_variable, filename))
    return issues


def _element_variable_issue(loop: etree._Element, variable: str, filename: str | None) -> LintIssue:
    """SpiffWorkflow merges each instance's data, ``variable`` included, back into the process.

    The next instance then finds ``variable`` already set and stops with "input item
    already exists": always in a sequential loop, and in a parallel one when the
    process comes back to the activity.
    """
    if loop.get("isSequential") == "true":
        message = (f"sequential multi-instance with camunda:elementVariable {variable!r} and no output collection "
                   "fails at its second item in SpiffWorkflow; make it parallel or add loopDataOutputRef/"
                   "outputDataItem")
        return _issue("camunda-unsupported", message, loop, filename)
    message = (f"{variable!r} stays in the process data after this multi-instance activity, so entering it a "
               "second time fails; add loopDataOutputRef/outputDataItem if the process can loop back")
    return _issue("mi-element-variable", message, loop, filename, severity="warning")


def _insert_child(parent: etree._Element, name: str) -> etree._Element:
    """A new BPMN child of a multi-instance definition, placed where the schema wants it."""
    child = etree.SubElement(parent, bpmn_tag(name))  # SubElement reuses the parent's prefix
    rank = _MI_CHILD_ORDER.index(name)
    for index, existing in enumerate(parent):
        other = local_name(existing)
        if other in _MI_CHILD_ORDER and _MI_CHILD_ORDER.index(other) > rank:
            parent.insert(index, child)
            break
    return child


def _normalize_decision_ref(task: etree._Element, filename: str | None) -> list[LintIssue]:
    ref = camunda_attribute(task, "decisionRef")
    if ref is None or task.find(f"{bpmn_tag('extensionElements')}/{{{SPIFF_NS}}}calledDecisionId") is not None:
        return []
    if has_juel(ref):
        return [_issue("juel-unsupported", f"camunda:decisionRef must name a decision, not {ref!r}", task, filename)]
    extensions = task.find(bpmn_tag("extensionElements"))
    if extensions is None:
        extensions = etree.SubElement(task, bpmn_tag("extensionElements"))
        task.remove(extensions)
        documentation = [i for i, c in enumerate(task) if local_name(c) == "documentation"]
        task.insert(documentation[-1] + 1 if documentation else 0, extensions)
    decision = etree.SubElement(extensions, f"{{{SPIFF_NS}}}calledDecisionId", nsmap={"spiffworkflow": SPIFF_NS})
    decision.text = ref.strip()
    return []


_DELEGATES = ("class", "delegateExpression", "expression")
_IGNORED_EXTENSIONS = {
    "executionListener": "execution listeners are not run",
    "taskListener": "task listeners are not run",
    "inputOutput": "input/output mappings are not applied",
    "formData": "generated forms are not shown; give the task a formKey",
    "in": "call activity variable mappings are not applied (all data is passed in and out)",
    "out": "call activity variable mappings are not applied (all data is passed in and out)",
}


def _untranslatable_extensions(root: etree._Element, filename: str | None) -> list[LintIssue]:
    issues = []
    for element in root.iter(bpmn_tag("serviceTask"), bpmn_tag("sendTask"), bpmn_tag("businessRuleTask")):
        delegate = next((d for d in _DELEGATES if camunda_attribute(element, d) is not None), None)
        if delegate is None or element.get(f"{{{YIWANG_NS}}}connector") or camunda_attribute(element, "topic"):
            continue
        if local_name(element) == "serviceTask":
            message = (f"Java delegates (camunda:{delegate}) cannot run here; "
                       "name a connector with camunda:topic or yw:connector")
            issues.append(_issue("camunda-unsupported", message, element, filename))
        else:
            issues.append(_issue("camunda-ignored", f"camunda:{delegate} is ignored", element, filename, "warning"))
    for namespace in CAMUNDA_NAMESPACES:
        for name, message in _IGNORED_EXTENSIONS.items():
            for element in root.iter(f"{{{namespace}}}{name}"):
                issues.append(_issue("camunda-ignored", message, element, filename, "warning"))
    return issues


# ------------------------------------------------------------------------ run time


def multi_instance_variables(task: Any) -> dict[str, int]:
    """Camunda's multi-instance variables for a SpiffWorkflow task inside a multi-instance activity.

    SpiffWorkflow evaluates a completion condition against the data of the child
    that just finished; a script engine can pass this dict as ``external_context``
    to ``evaluate`` so that ``nrOfCompletedInstances / nrOfInstances >= 0.5`` works.

    Returns:
        ``nrOfInstances``, ``nrOfCompletedInstances``, ``nrOfActiveInstances`` and
        ``loopCounter``; an empty dict when ``task`` is not a multi-instance child.
    """
    parent = getattr(task, "parent", None)
    if parent is None or not isinstance(parent.task_spec, MultiInstanceTask):
        return {}
    instances = [c for c in parent.children if c.task_spec.name == parent.task_spec.task_spec]
    completed = len(parent.internal_data.get("merged", []))
    active = sum(1 for c in instances if not c.has_state(TaskState.FINISHED_MASK))
    total = len(instances)
    if isinstance(parent.task_spec, SequentialMultiInstanceTask):
        if "cardinality" in parent.internal_data:
            total = parent.internal_data["cardinality"]
        else:
            total += len(parent.internal_data.get("remaining", []))
    index = task.internal_data.get("key_or_index")
    loop_counter = index if isinstance(index, int) else instances.index(task) if task in instances else 0
    return {
        "nrOfInstances": total,
        "nrOfCompletedInstances": completed,
        "nrOfActiveInstances": active,
        "loopCounter": loop_counter,
    }
