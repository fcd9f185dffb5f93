"""Publishing checks: a service item bundle must be consistent before anyone can apply for it.

:func:`check_bundle` reads a bundle's item.json, BPMN/DMN files and forms, and
returns every problem at once, each located by file + JSON pointer or BPMN element
id + line (see ``docs/service-items.md`` for the rules with examples):

* item.json fits the catalogue (:func:`processes.item_models.parse_item`), every
  form is a valid form, and the BPMN passes the engine's lint;
* the item's process is in the bundle and its start event shows the item's
  application form (the case form of a one-thing); every form key used is a
  form of the bundle;
* **materials**: every required material has a field in the application form
  whose ``x-material`` names it (same name, same e-licence types), required in the
  form unless it may be handed in later (容缺) or replaced by a commitment (告知承诺);
  no field names a material the catalogue does not list;
* **handlers**: every user/manual task has candidate groups, candidate users or an
  assignee, and a time limit;
* **notices**: a flow leaving a gateway that refuses (condition compares with
  ``"refuse"``/``"reject"``..., or its name says 不予/驳回/拒绝) or asks for
  corrections (``"correct"``..., 补正/补齐) must reach, through gateways only, tasks
  or end events marked ``yw:notice="refusal"`` / ``yw:notice="correction"``;
* **time**: the critical path (:mod:`processes.process_outline`) fits the
  promised time limit (承诺时限).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from engine import camunda, lint
from engine.camunda import BPMN_NS
from engine.errors import EngineError
from engine.xml_safety import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, parse_xml
from forms import walk
from forms.errors import FormSchemaError
from forms.pointer import to_pointer
from forms.schema_check import check_schema

from . import one_thing
from .item_errors import Problem
from .item_models import ITEM_FILE, Material, ServiceItem, read_item
from .process_outline import (
    CLOCK_STOPPED,
    EVENTS,
    GATEWAYS,
    NOTICES,
    Flow,
    Outline,
    executable_processes,
    outline_process,
)

REFUSAL_LITERALS = frozenset({"refuse", "refused", "reject", "rejected", "deny", "denied", "not_accepted"})
CORRECTION_LITERALS = frozenset({"correct", "correction", "supplement", "amend"})
REFUSAL_NAMES = ("不予", "驳回", "拒绝", "退件")
CORRECTION_NAMES = ("补正", "补齐", "补充材料")
_LITERAL = re.compile(r"""(["'])([^"'\\]{1,64})\1""")
_CLOCK_VALUES = frozenset({CLOCK_STOPPED, "running"})


@dataclass
class CheckedBundle:
    """What the checks read, ready to publish when ``errors`` is empty."""

    item: ServiceItem | None = None
    roots: dict[str, etree._Element] = field(default_factory=dict)
    outline: Outline | None = None
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)  # bundle forms + generated ones
    generated: frozenset[str] = frozenset()
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]


def check_bundle(item_document: Any, files: dict[str, bytes], forms: dict[str, dict[str, Any]], *,
                 scripts_enabled: bool = False, max_xml_bytes: int = DEFAULT_MAX_BYTES,
                 max_xml_depth: int = DEFAULT_MAX_DEPTH) -> CheckedBundle:
    """Every problem of a bundle: item data, forms, BPMN lint, and the consistency rules above."""
    checked = CheckedBundle(forms=dict(forms))
    checked.item, problems = read_item(item_document)
    checked.problems += problems
    checked.problems += _form_problems(forms)
    item = checked.item
    one_thing_broken = _has_errors(checked.problems, "one-thing-")
    if item is not None and item.is_one_thing and not one_thing_broken:
        generated, problems = one_thing.generated_forms(item, forms)
        checked.forms.update(generated)
        checked.generated = frozenset(generated)
        checked.problems += problems
        one_thing_broken = bool(problems)
    checked.problems += _read_xml(checked, files, scripts_enabled, max_xml_bytes, max_xml_depth)
    if item is None:
        return checked
    checked.outline = _outline(checked, item)
    if checked.outline is not None:
        checked.problems += process_problems(item, checked.outline)
        checked.problems += form_key_problems(item, checked.outline, checked.forms, checked.generated)
    application = checked.forms.get(item.application_form)
    if application is not None:
        file = _form_file(item.application_form, checked.generated)
        checked.problems += material_problems(item, application["schema"], file)
    elif not (item.is_one_thing and one_thing_broken):  # a broken one-thing has said why already
        checked.problems.append(Problem("application-form-missing", f"form {item.application_form!r} is not in "
                                        "forms/", file=ITEM_FILE, pointer="/application_form"))
    return checked


def _has_errors(problems: list[Problem], prefix: str) -> bool:
    return any(p.code.startswith(prefix) for p in problems)


def _form_file(key: str, generated: frozenset[str]) -> str:
    return f"forms/{key}.json" + (" (generated)" if key in generated else "")


def _form_problems(forms: dict[str, dict[str, Any]]) -> list[Problem]:
    problems = []
    for key, form in sorted(forms.items()):
        try:
            check_schema(form["schema"], form.get("ui_schema"), form_key=key)
        except FormSchemaError as err:
            problems += [Problem("form-schema-invalid", p.message, file=f"forms/{key}.json",
                                 pointer=f"/{p.document}{p.pointer}") for p in err.problems]
    return problems


def _read_xml(checked: CheckedBundle, files, scripts_enabled, max_bytes, max_depth) -> list[Problem]:
    problems = []
    for name, content in sorted(files.items()):
        try:
            root = parse_xml(content, name, max_bytes=max_bytes, max_depth=max_depth)
        except EngineError as err:
            problems.append(Problem("xml-rejected", err.message, file=name, line=err.context.get("line")))
            continue
        checked.roots[name] = root
        if root.tag == f"{{{BPMN_NS}}}definitions":
            issues = camunda.normalize(root, name)
            issues += lint.lint_tree(root, name, form_keys=set(checked.forms), scripts_enabled=scripts_enabled)
            problems += [Problem(f"bpmn-{i.code}", i.message, file=i.file or name, element_id=i.element_id,
                                 line=i.line, severity=i.severity) for i in issues]
    return problems


def _outline(checked: CheckedBundle, item: ServiceItem) -> Outline | None:
    for name, root in checked.roots.items():
        for process in executable_processes(root) if root.tag == f"{{{BPMN_NS}}}definitions" else []:
            if process.get("id") == item.process_id:
                return outline_process(root, process, name)
    checked.problems.append(Problem("process-missing", f"no executable BPMN process has the id {item.process_id!r}",
                                    file=ITEM_FILE, pointer="/process_id"))
    return None


# -- the process ---------------------------------------------------------------------
def process_problems(item: ServiceItem, outline: Outline) -> list[Problem]:
    """Handlers, time limits, markers, notices and the critical path of the item's process."""
    problems = []
    for step in outline.steps:
        where = {"file": outline.file, "element_id": step.element_id, "line": step.line}
        if step.is_human and not step.has_handler:
            problems.append(Problem("task-no-handler", f"step {step.name!r} names no handler: set yw:candidateGroups, "
                                    "yw:candidateUsers or yw:assignee (or put it in a lane)", **where))
        if step.is_human and step.time_limit_days is None:
            problems.append(Problem("task-no-time-limit", f"step {step.name!r} has no yw:timeLimit (working days): "
                                    "supervision cannot time it", **where))
        for group in step.groups:
            if "${" not in group and group not in item.roles:
                problems.append(Problem("role-unnamed", f"group {group!r} has no display name in item.json roles; "
                                        "the guide shows it as is", severity="warning", **where))
    for node in outline.nodes.values():
        where = {"file": outline.file, "element_id": node.id, "line": node.line}
        if node.notice is not None and node.notice not in NOTICES:
            problems.append(Problem("notice-invalid", f"yw:notice must be one of {sorted(NOTICES)}, "
                                    f"not {node.notice!r}", **where))
        if node.clock is not None and node.clock not in _CLOCK_VALUES:
            problems.append(Problem("clock-invalid", f"yw:clock must be one of {sorted(_CLOCK_VALUES)}, "
                                    f"not {node.clock!r}", **where))
    problems += notice_problems(outline)
    if outline.critical_days > item.promised_days:
        path = " → ".join(outline.label(e) for e in outline.critical_path if outline.step(e) is not None)
        problems.append(Problem(
            "critical-path-exceeds-promise",
            f"the longest path takes {outline.critical_days:g} working days ({path}), more than the promised "
            f"time limit (承诺时限) of {item.promised_days:g}", file=outline.file, element_id=outline.process_id,
            line=outline.line))
    return problems


def refusal_kind(flow: Flow) -> str | None:
    """"refusal" or "correction" when a gateway flow turns the application down; None otherwise."""
    literals = {m.group(2).strip().lower() for m in _LITERAL.finditer(flow.condition or "")}
    if literals & REFUSAL_LITERALS or any(word in flow.name for word in REFUSAL_NAMES):
        return "refusal"
    if literals & CORRECTION_LITERALS or any(word in flow.name for word in CORRECTION_NAMES):
        return "correction"
    return None


def notice_problems(outline: Outline) -> list[Problem]:
    problems = []
    for flow in outline.flows.values():
        source = outline.nodes.get(flow.source)
        if source is None or source.kind not in GATEWAYS:
            continue
        kind = refusal_kind(flow)
        if kind is None:
            continue
        for node in _notice_targets(outline, flow.target):
            if node.notice == kind:
                continue
            found = f"marked yw:notice={node.notice!r}" if node.notice else "not marked"
            problems.append(Problem(
                "notice-missing",
                f"flow {flow.name or flow.id!r} leads to a {kind} ({NOTICES[kind]}) but reaches "
                f"{outline.label(node.id)}, {found}: mark the step or end event that issues the notice "
                f"yw:notice=\"{kind}\"", file=outline.file, element_id=flow.id, line=flow.line))
    return problems


def _notice_targets(outline: Outline, start: str):
    """The first tasks or end events reached from ``start``, passing through gateways and events."""
    stack, seen = [start], set()
    while stack:
        node = outline.nodes.get(stack.pop())
        if node is None or node.id in seen:
            continue
        seen.add(node.id)
        passes = node.kind in GATEWAYS or (node.kind in EVENTS and node.kind != "endEvent")
        if node.notice is None and passes and node.outgoing:
            stack.extend(outline.flows[f].target for f in node.outgoing)
        else:
            yield node


def form_key_problems(item: ServiceItem, outline: Outline, forms: dict, generated: frozenset[str]) -> list[Problem]:
    problems = []
    for start_id, key in outline.start_forms.items():
        if key != item.start_form:
            node = outline.nodes[start_id]
            problems.append(Problem("start-form-mismatch", f"the start event shows form {key!r}; the item's "
                                    f"{'case' if item.is_one_thing else 'application'} form is {item.start_form!r}",
                                    file=outline.file, element_id=start_id, line=node.line))
    used = {s.form_key for s in outline.steps if s.form_key} | set(outline.start_forms.values())
    for step in outline.steps:
        if step.form_key and step.form_key not in forms:
            problems.append(Problem("form-missing", f"form {step.form_key!r} is not in forms/", file=outline.file,
                                    element_id=step.element_id, line=step.line))
    wanted = used | {item.application_form} | {p.form for p in item.parts}
    problems += [Problem("form-unused", "no step of the process shows this form", file=f"forms/{key}.json",
                         pointer="", severity="warning")
                 for key in sorted(set(forms) - wanted - generated)]
    return problems


# -- materials -------------------------------------------------------------------------
def material_problems(item: ServiceItem, schema: dict, file: str) -> list[Problem]:
    """Compare the catalogue's materials with the application form's ``x-material`` fields."""
    fields = material_fields(schema)
    problems = []
    for code, places in fields.items():
        if item.material(code) is None:
            problems += [Problem("material-unknown", f"x-material {code!r} is not a material of item.json",
                                 file=file, pointer=pointer) for pointer, _, _ in places]
    for index, material in enumerate(item.materials):
        places = fields.get(material.code, [])
        if not places:
            problems.append(Problem(
                "material-no-field" if material.required else "material-no-field-optional",
                f"material {material.name!r} ({material.code}) has no field in the application form "
                f"{item.application_form!r} (a field whose x-material code is {material.code!r})",
                file=ITEM_FILE, pointer=f"/materials/{index}",
                severity="error" if material.required else "warning"))
        for pointer, spec, required in places:
            problems += _material_field_problems(material, spec, required, file, pointer)
    return problems


def _material_field_problems(material: Material, spec: dict, required: bool, file: str, pointer: str):
    may_wait = material.deficiency_allowed or material.commitment_allowed
    if spec.get("name") != material.name:
        yield Problem("material-name-mismatch", f"x-material name {spec.get('name')!r} differs from the catalogue's "
                      f"{material.name!r}", file=file, pointer=f"{pointer}/x-material/name")
    if set(spec.get("e_licence", ())) != set(material.e_licence):
        yield Problem("material-licence-mismatch", f"x-material e_licence {sorted(spec.get('e_licence', ()))} "
                      f"differs from the catalogue's {sorted(material.e_licence)}", file=file,
                      pointer=f"{pointer}/x-material/e_licence")
    if material.required and not may_wait and not required:
        yield Problem("material-field-optional", f"material {material.name!r} is required but its field is not "
                      "(add it to required)", file=file, pointer=pointer)
    if may_wait and required:
        yield Problem("material-field-required", f"material {material.name!r} may be handed in later (容缺/告知承诺) "
                      "but its field is required", file=file, pointer=pointer)


def material_fields(schema: dict) -> dict[str, list[tuple[str, dict, bool]]]:
    """x-material code -> [(schema pointer of the field, x-material, always required?)]."""
    found: dict[str, list[tuple[str, dict, bool]]] = {}
    for path, sub in walk.iter_fields(schema):
        for part in walk.in_place_parts(walk.field_schema(sub, schema), schema, conditional=False):
            spec = part.get("x-material")
            if isinstance(spec, dict) and isinstance(spec.get("code"), str):
                found.setdefault(spec["code"], []).append((_schema_pointer(path), spec, _required(schema, path)))
                break
    return found


def _schema_pointer(path: tuple[str, ...]) -> str:
    tokens: list[str] = []
    for name in path:
        tokens += ["items"] if name == "*" else ["properties", name]
    return to_pointer(tokens)


def _required(schema: dict, path: tuple[str, ...]) -> bool:
    """Whether every level of the field's path is required unconditionally."""
    level: Any = schema
    for name in path:
        if name == "*" or not isinstance(level, dict):
            return False
        parts = list(walk.in_place_parts(walk.field_schema(level, schema), schema, conditional=False))
        if not any(name in (p.get("required") or []) for p in parts):
            return False
        level = walk.declared_properties(walk.field_schema(level, schema), schema, conditional=False).get(name)
    return True
