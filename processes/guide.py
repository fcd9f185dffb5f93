"""The public service guide (办事指南) and the one-time notice (一次性告知书), from the item's own data.

Both pages are rendered from the same :class:`~processes.item_models.ServiceItem`
and the :class:`~processes.process_outline.Outline` of the process version the
item is pinned to, so the guide lists exactly the steps, handlers and time limits
the engine runs. The HTML is Chinese, printable (A4, no scripts, no external
resources) and every value is escaped (Jinja2 autoescaping).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session, undefer

from engine.camunda import BPMN_NS
from engine.models import ProcessDefinition
from engine.xml_safety import parse_xml

from .catalogue import ItemVersion, get_version
from .item_models import Material, ServiceItem
from .process_outline import Outline, Step, executable_processes, outline_process

TEMPLATES = Path(__file__).parent / "templates"
NOTICE_REMARKS = {"correction": "一次性告知需补正的全部内容", "refusal": "出具不予受理/不予许可决定书"}
AUTOMATIC = {"businessRuleTask": "系统自动审批(规则判定)", "serviceTask": "系统自动办理", "scriptTask": "系统自动办理",
             "sendTask": "系统自动发送", "receiveTask": "等待外部系统回复"}


@cache
def template_environment() -> Environment:
    """The templates of the guide and the notice, loaded on first use; autoescaping always on."""
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class GuideStep:
    number: int
    name: str
    handler: str
    days: str
    remarks: list[str]


@dataclass(frozen=True)
class Deficiency:
    """One thing to correct, for the notice: a catalogue material or a free-text point."""

    name: str
    reason: str | None = None
    material: Material | None = None


def days_text(days: float | None) -> str:
    return "—" if days is None else f"{days:g}个工作日"


def handler_text(item: ServiceItem, step: Step) -> str:
    if step.kind in AUTOMATIC:
        return AUTOMATIC[step.kind]
    names = [_role(item, g) for g in step.groups] + [_role(item, u) for u in step.users]
    if step.assignee:
        names.append("申请人" if "applicant" in step.assignee else _role(item, step.assignee))
    return "、".join(dict.fromkeys(names)) or "—"


def _role(item: ServiceItem, name: str) -> str:
    if "${" in name:
        return "申请人" if "applicant" in name else "各相关部门(按申请分派)"
    return item.role_label(name)


def guide_steps(item: ServiceItem, outline: Outline) -> list[GuideStep]:
    """The public steps: human and automatic tasks, in flow order, with their time limits."""
    steps, number = [], 0
    for step in outline.steps:
        if step.in_event_subprocess or step.kind in ("subProcess", "transaction", "adHocSubProcess"):
            continue
        remarks = []
        if step.multi_instance == "parallel":
            remarks.append("多部门同时办理(会签)")
        if step.parallel_group:
            remarks.append("与其他部门并联办理")
        if step.clock_stopped:
            remarks.append("不计入办理时限")
        if step.notice:
            remarks.append(NOTICE_REMARKS.get(step.notice, step.notice))
        number += 1
        days = "即时办结" if step.kind in AUTOMATIC and step.time_limit_days is None else days_text(step.time_limit_days)
        steps.append(GuideStep(number, step.name, handler_text(item, step), days, remarks))
    return steps


def render_guide(item: ServiceItem, outline: Outline, *, version: int | None = None,
                 definition_version: int | None = None) -> str:
    """The service guide (办事指南) as a printable HTML page."""
    return template_environment().get_template("guide.html").render(
        item=item, doc=item.document, steps=guide_steps(item, outline), outline=outline,
        critical_days=days_text(outline.critical_days), version=version, definition_version=definition_version,
        days=days_text,
    )


def render_notice(item: ServiceItem, *, deficiencies: list[dict[str, Any] | str] | None = None,
                  applicant: str | None = None, case_number: str | None = None, issued_on: date | None = None,
                  version: int | None = None) -> str:
    """The one-time notice (一次性告知书) as a printable HTML page.

    Args:
        deficiencies: what this applicant must correct, each ``{kind: material|field, ref, name, problem,
            requirement}`` (the shape of :mod:`processes.notices`) or a sentence; None gives the blank
            notice listing every material of the item.
    """
    listed = None if deficiencies is None else [_deficiency(item, d) for d in deficiencies]
    return template_environment().get_template("notice.html").render(
        item=item, doc=item.document, deficiencies=listed, applicant=applicant, case_number=case_number,
        issued_on=issued_on, version=version, days=days_text,
    )


def _deficiency(item: ServiceItem, entry: dict[str, Any] | str) -> Deficiency:
    """A notice line from a deficiency item ``{kind, ref, name, problem, requirement}`` or a sentence."""
    if isinstance(entry, str):
        return Deficiency(entry)
    material = item.material(str(entry.get("ref"))) if entry.get("kind") == "material" else None
    name = str(entry.get("name") or (material.name if material is not None else entry.get("ref") or ""))
    reason = ";".join(str(entry[k]) for k in ("problem", "requirement") if entry.get(k))
    return Deficiency(name, reason or None, material)


# -- from the catalogue ------------------------------------------------------------------
def outline_of(session: Session, row: ItemVersion) -> tuple[Outline, int]:
    """The outline of the definition an item version is pinned to, and that definition's version."""
    definition = session.get(ProcessDefinition, row.definition_id, options=[undefer(ProcessDefinition.sources)])
    for name, text in sorted(definition.sources.items()):
        root = parse_xml(text.encode("utf-8"), name)
        if root.tag != f"{{{BPMN_NS}}}definitions":
            continue
        for process in executable_processes(root):
            if process.get("id") == row.process_id:
                return outline_process(root, process, name), definition.version
    # The import stored the item with this very definition, so only altered rows get here.
    raise LookupError(f"process {row.process_id!r} is not in definition {definition.id}")


def guide_for(session: Session, code: str, version: int | None = None) -> str:
    """The service guide of a published item version (the latest by default)."""
    row = get_version(session, code, version)
    outline, definition_version = outline_of(session, row)
    return render_guide(row.item(), outline, version=row.version, definition_version=definition_version)


def notice_for(session: Session, code: str, version: int | None = None, **details: Any) -> str:
    """The one-time notice of a published item version; ``details`` as for :func:`render_notice`."""
    row = get_version(session, code, version)
    return render_notice(row.item(), version=row.version, **details)
