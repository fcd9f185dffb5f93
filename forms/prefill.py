"""Prefilling a form from what the platform already knows (一号申请: ask once).

A field declares what it means with a semantic key::

    "id_number": {"title": "身份证号", "type": "string",
                  "format": "cn-resident-id", "x-semantic": "applicant.id_number"}

and :func:`prefill` fills it from known facts keyed the same way
(``{"applicant.id_number": "...", "company.name": "..."}``). The same keys let
:mod:`forms.merge` ask a shared field once across several items' forms.
Only fields that always apply are prefilled: not those of conditional sections
or of repeating groups, and never read-only ones.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from forms import walk

KEYWORD = "x-semantic"


def semantic_of(field: Any, root: dict) -> str | None:
    """A field's semantic key, on the field itself or on the definition it refers to."""
    for schema in (field, walk.field_schema(field, root)):
        if isinstance(schema, dict) and isinstance(schema.get(KEYWORD), str):
            return schema[KEYWORD]
    return None


def semantic_fields(schema: dict) -> dict[str, list[tuple[str, ...]]]:
    """Semantic key -> the data paths of the fields that carry it (always-applying fields)."""
    found: dict[str, list[tuple[str, ...]]] = {}
    for path, sub in walk.iter_fields(schema, conditional=False, into_arrays=False):
        key = semantic_of(sub, schema)
        target = walk.field_schema(sub, schema)
        read_only = any(s.get("readOnly") is True for s in (sub, target) if isinstance(s, dict))
        if key is not None and not read_only:
            found.setdefault(key, []).append(path)
    return found


def prefill(schema: dict, facts: Mapping[str, Any], data: Mapping[str, Any] | None = None) -> dict:
    """Return a copy of ``data`` with known facts filled in where the applicant left blanks.

    Args:
        schema: the form.
        facts: known values by semantic key (identity, earlier licences, shared base data).
        data: what the applicant has entered so far; never overwritten.
    """
    filled = copy.deepcopy(dict(data or {}))
    for key, paths in semantic_fields(schema).items():
        if key not in facts:
            continue
        for path in paths:
            node = filled
            for token in path[:-1]:
                node = node.setdefault(token, {})
                if not isinstance(node, dict):
                    break
            else:
                node.setdefault(path[-1], copy.deepcopy(facts[key]))
    return filled
