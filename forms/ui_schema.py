"""The UI schema: how a form is laid out, kept apart from what its data must be.

A UI schema mirrors the form's object structure. At each level:

``ui:order``
    property names in display order; ``"*"`` once stands for "all the others".
``ui:groups``
    layout sections: ``[{"title": "申请人信息", "fields": ["name", "id_number"]}]``;
    a field belongs to at most one group.
``ui:widget``, ``ui:title``, ``ui:help``, ``ui:placeholder``, ``ui:readonly``,
``ui:hidden``, ``ui:columns`` (1–4), ``ui:options`` (free-form widget options)
    presentation of the field itself.
``<property name>``
    the UI schema of that property; ``items`` for the items of an array.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from forms import walk
from forms.errors import SchemaProblem
from forms.pointer import escape

WIDGETS = frozenset(
    {
        "text",
        "textarea",
        "number",
        "select",
        "radio",
        "checkbox",
        "checkboxes",
        "date",
        "datetime",
        "time",
        "file",
        "material",
        "region",
        "address",
        "hidden",
    }
)
_TEXT_KEYS = ("ui:title", "ui:help", "ui:placeholder")
_BOOL_KEYS = ("ui:readonly", "ui:hidden")
_ALL_KEYS = frozenset(
    {"ui:order", "ui:groups", "ui:widget", "ui:columns", "ui:options", *_TEXT_KEYS, *_BOOL_KEYS}
)


def _problem(pointer: str, message: str) -> SchemaProblem:
    return SchemaProblem(pointer, message, "ui_schema")


def _check_order(order: Any, names: set[str], pointer: str) -> Iterator[SchemaProblem]:
    if not isinstance(order, list) or not all(isinstance(n, str) for n in order):
        yield _problem(pointer, "ui:order must be a list of property names")
        return
    if len(set(order)) != len(order):
        yield _problem(pointer, "ui:order lists a name twice")
    for index, name in enumerate(order):
        if name != "*" and name not in names:
            yield _problem(f"{pointer}/{index}", f"ui:order names an unknown property {name!r}")


def _check_groups(groups: Any, names: set[str], pointer: str) -> Iterator[SchemaProblem]:
    if not isinstance(groups, list):
        yield _problem(pointer, "ui:groups must be a list of {title, fields}")
        return
    seen: set[str] = set()
    for index, group in enumerate(groups):
        where = f"{pointer}/{index}"
        if not (isinstance(group, dict) and isinstance(group.get("title"), str)):
            yield _problem(where, "a group needs a title")
            continue
        fields = group.get("fields")
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            yield _problem(where, "a group needs a list of field names")
            continue
        for name in fields:
            if name not in names:
                yield _problem(where, f"group names an unknown property {name!r}")
            elif name in seen:
                yield _problem(where, f"property {name!r} is in more than one group")
            seen.add(name)


def _check_own(ui: dict, pointer: str) -> Iterator[SchemaProblem]:
    for key in ui:
        if key.startswith("ui:") and key not in _ALL_KEYS:
            yield _problem(f"{pointer}/{escape(key)}", f"unknown UI key {key!r}")
    if "ui:widget" in ui and ui["ui:widget"] not in WIDGETS:
        yield _problem(f"{pointer}/ui:widget", f"unknown widget {ui['ui:widget']!r}")
    for key in _TEXT_KEYS:
        if key in ui and not isinstance(ui[key], str):
            yield _problem(f"{pointer}/{key}", f"{key} must be text")
    for key in _BOOL_KEYS:
        if key in ui and not isinstance(ui[key], bool):
            yield _problem(f"{pointer}/{key}", f"{key} must be true or false")
    columns = ui.get("ui:columns", 1)
    if not (isinstance(columns, int) and not isinstance(columns, bool) and 1 <= columns <= 4):
        yield _problem(f"{pointer}/ui:columns", "ui:columns must be 1 to 4")
    if "ui:options" in ui and not isinstance(ui["ui:options"], dict):
        yield _problem(f"{pointer}/ui:options", "ui:options must be an object")


def ui_schema_problems(ui_schema: Any, schema: dict) -> list[SchemaProblem]:
    """Every problem in a UI schema, checked against the form schema it lays out."""
    problems: list[SchemaProblem] = []
    stack: list[tuple[Any, Any, str]] = [(ui_schema, schema, "")]
    while stack:
        ui, sub, pointer = stack.pop()
        if not isinstance(ui, dict):
            problems.append(_problem(pointer, "a UI schema level must be an object"))
            continue
        target = walk.field_schema(sub, schema)
        properties = walk.declared_properties(target, schema)
        names = set(properties)
        problems.extend(_check_own(ui, pointer))
        if "ui:order" in ui:
            problems.extend(_check_order(ui["ui:order"], names, f"{pointer}/ui:order"))
        if "ui:groups" in ui:
            problems.extend(_check_groups(ui["ui:groups"], names, f"{pointer}/ui:groups"))
        for key, child in ui.items():
            if key.startswith("ui:"):
                continue
            where = f"{pointer}/{escape(key)}"
            if key in properties:
                stack.append((child, properties[key], where))
            elif key == "items" and isinstance(target, dict) and "items" in target:
                stack.append((child, target["items"], where))
            else:
                problems.append(_problem(where, f"{key!r} is not a property of the form here"))
    return problems
