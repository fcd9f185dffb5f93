"""Read-only display of earlier data in later tasks.

A task form shows what earlier steps recorded with a read-only field that names
its source in the case data (see :mod:`forms.namespaces` for the layout)::

    "company_name": {"title": "企业名称", "type": "string",
                     "readOnly": true, "x-source": "/application/company_name"}

The UI gets the values from :func:`read_only_values`; read-only fields are never
submitted back (validation refuses them), and :func:`strip_read_only` drops them
for clients that echo the whole form.
"""

from __future__ import annotations

import copy
from typing import Any

from forms import walk
from forms.pointer import resolve

_MISSING = object()


def _read_only_paths(schema: dict) -> list[tuple[tuple[str, ...], Any]]:
    found = []
    for path, sub in walk.iter_fields(schema, conditional=False, into_arrays=False):
        target = walk.field_schema(sub, schema)
        flags = [s.get("readOnly") for s in (sub, target) if isinstance(s, dict)]
        if True in flags:
            found.append((path, sub if "x-source" in sub else target))
    return found


def _put(document: dict, path: tuple[str, ...], value: Any) -> None:
    node = document
    for token in path[:-1]:
        node = node.setdefault(token, {})
        if not isinstance(node, dict):
            return
    node[path[-1]] = value


def read_only_values(schema: dict, case_data: Any) -> dict:
    """Values for the form's read-only fields, taken from ``case_data`` by ``x-source``."""
    values: dict = {}
    for path, sub in _read_only_paths(schema):
        source = sub.get("x-source") if isinstance(sub, dict) else None
        if not isinstance(source, str):
            continue
        value = resolve(case_data, source, _MISSING)
        if value is not _MISSING:
            _put(values, path, copy.deepcopy(value))
    return values


def strip_read_only(schema: dict, data: Any) -> Any:
    """A copy of ``data`` without the form's read-only fields."""
    stripped = copy.deepcopy(data)
    for path, _sub in _read_only_paths(schema):
        node = stripped
        for token in path[:-1]:
            node = node.get(token) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return stripped
