"""Who works on a task, which form it shows and when it is due, read from its BPMN element.

Three dialects are understood, ours first when several are present:

* ours, namespace ``urn:yiwang:bpmn:1.0`` (prefix ``yw``): attributes
  ``yw:candidateGroups``, ``yw:candidateUsers``, ``yw:assignee``, ``yw:formKey``,
  ``yw:timeLimit`` (working days) and ``yw:dueDate``;
* SpiffWorkflow's ``<spiffworkflow:properties><spiffworkflow:property name= value=>``
  with the same names;
* Camunda 7's (and Activiti's / Flowable's) ``candidateGroups``, ``candidateUsers``,
  ``assignee``, ``formKey`` and ``dueDate`` attributes.

Values are plain text or ``${<Python expression>}`` evaluated over the task data
(see :mod:`engine.assignment`). Camunda's ``${JUEL}`` is translated to
``${Python}``; where that is impossible the text is kept as written and
:mod:`engine.lint` reports it. The lane a task sits in names its candidate group
when no candidate groups are given.
"""

from __future__ import annotations

import math
import re
from typing import Any

from lxml import etree

from .camunda import SPIFF_NS, YIWANG_NS, bpmn_tag, camunda_attribute
from .juel import JuelUnsupported, has_juel, translate_juel

KEYS = ("candidateGroups", "candidateUsers", "assignee", "formKey", "timeLimit", "dueDate")
_EXPRESSION = re.compile(r"\A\s*\$\{(.*)\}\s*\Z", re.DOTALL)
# Commas separate names, except inside ${...}.
_LIST_ITEM = re.compile(r"(?:\$\{[^}]*\}|[^,])+")


def read_task_extensions(node: etree._Element, *, lanes: dict[str, str] | None = None) -> dict[str, Any]:
    """Normalised assignment and form attributes of a task element.

    Args:
        node: The task (or any flow node) element.
        lanes: :func:`lane_index` of the document, when reading many nodes.

    Returns:
        ``candidateGroups`` and ``candidateUsers`` (lists of names or
        ``${expr}``), ``assignee``, ``formKey`` and ``dueDate`` (text or
        ``${expr}``, or None), ``timeLimitDays`` (positive float or None) and
        ``lane`` (the name of the innermost lane holding the task, or None).
    """
    raw = _raw_values(node)
    lane = lane_of(node, lanes)
    groups = split_names(raw.get("candidateGroups"))
    if not groups and lane:
        groups = [lane]
    try:
        time_limit = parse_time_limit(raw["timeLimit"]) if raw.get("timeLimit") is not None else None
    except ValueError:
        time_limit = None  # engine.lint reports it
    return {
        "candidateGroups": groups,
        "candidateUsers": split_names(raw.get("candidateUsers")),
        "assignee": _single(raw.get("assignee")),
        "formKey": _single(raw.get("formKey")),
        "timeLimitDays": time_limit,
        "dueDate": _single(raw.get("dueDate")),
        "lane": lane,
    }


def expression_in(value: str | None) -> str | None:
    """The Python expression inside ``${...}``, or None when ``value`` is plain text."""
    if value is None:
        return None
    match = _EXPRESSION.match(value)
    return match.group(1).strip() if match else None


def parse_time_limit(text: str) -> float:
    """Working days from ``yw:timeLimit``.

    Raises:
        ValueError: Not a positive finite number.
    """
    days = float(text)
    if not math.isfinite(days) or days <= 0:
        raise ValueError(f"time limit must be a positive number of working days, not {text!r}")
    return days


def raw_time_limit(node: etree._Element) -> str | None:
    """The time limit exactly as written (for error messages)."""
    return _raw_values(node).get("timeLimit")


def lane_index(root: etree._Element) -> dict[str, str]:
    """Flow node id -> name of the innermost named lane listing it."""
    index: dict[str, tuple[int, str]] = {}
    for ref in root.iter(bpmn_tag("flowNodeRef")):
        lane = ref.getparent()
        name, depth = lane.get("name"), sum(1 for _ in lane.iterancestors())
        node_id = (ref.text or "").strip()
        if name and node_id and depth >= index.get(node_id, (-1, ""))[0]:
            index[node_id] = (depth, name)
    return {node_id: name for node_id, (_, name) in index.items()}


def lane_of(node: etree._Element, lanes: dict[str, str] | None = None) -> str | None:
    """Name of the lane holding ``node``, or the (sub)process activity around it."""
    lanes = lane_index(node.getroottree().getroot()) if lanes is None else lanes
    for element in (node, *node.iterancestors()):
        name = lanes.get(element.get("id") or "")
        if name:
            return name
    return None


def _raw_values(node: etree._Element) -> dict[str, str]:
    """Attribute text by key, ours winning over SpiffWorkflow's over Camunda's."""
    values: dict[str, str] = {}
    for key in KEYS:
        camunda = camunda_attribute(node, key)
        if camunda is not None:
            values[key] = _from_juel(camunda)
    values.update(_spiff_properties(node))
    for key in KEYS:
        ours = node.get(f"{{{YIWANG_NS}}}{key}")
        if ours is not None:
            values[key] = ours
    return values


def _spiff_properties(node: etree._Element) -> dict[str, str]:
    found = {}
    path = f"{bpmn_tag('extensionElements')}/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property"
    for prop in node.iterfind(path):
        name, value = prop.get("name"), prop.get("value")
        if name in KEYS and value is not None:
            found[name] = value
    return found


def _from_juel(text: str) -> str:
    """Camunda text with each ``${JUEL}`` item turned into ``${Python}``; untranslatable kept."""
    if not has_juel(text):
        return text
    items = []
    for item in _LIST_ITEM.findall(text):
        try:
            items.append("${" + translate_juel(item) + "}" if has_juel(item) else item)
        except JuelUnsupported:
            items.append(item)
    return ",".join(items)


def split_names(value: str | None) -> list[str]:
    """Comma-separated names (commas inside ``${...}`` do not split), without repeats."""
    if value is None:
        return []
    names: list[str] = []
    for item in _LIST_ITEM.findall(value):
        item = item.strip()
        if item and item not in names:
            names.append(item)
    return names


def _single(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None
