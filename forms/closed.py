"""Closed objects: a form accepts the fields it declares and nothing else.

Every object in a form is closed unless its author says otherwise (by giving
``additionalProperties``, ``unevaluatedProperties`` or ``patternProperties``), so
a submission cannot smuggle in a field such as ``approved: true``. Objects built
from in-place applicators (``allOf``, ``if``/``then``, ``$ref`` ...) are closed
with ``unevaluatedProperties: false``, which sees the fields those applicators
declare; a field of a conditional section is accepted only while the section
applies. Plain objects use the cheaper ``additionalProperties: false``.
"""

from __future__ import annotations

import copy

from forms import walk

_APPLICATORS = ("allOf", "anyOf", "oneOf", "if", "then", "else", "dependentSchemas", "$ref")
_OPENERS = ("additionalProperties", "unevaluatedProperties", "patternProperties")


def _is_object(node: dict, root: dict) -> bool:
    kind = node.get("type")
    if kind == "object" or (isinstance(kind, list) and "object" in kind):
        return True
    return bool(walk.declared_properties(node, root))


def accepts_only_declared(node: dict, root: dict) -> bool:
    """Whether the object at ``node`` accepts no field beyond those it declares (once closed).

    True when its author closed it (``additionalProperties`` or ``unevaluatedProperties``
    false) or when :func:`close_schema` will; fields matching ``patternProperties`` are
    the caller's to allow.
    """
    if node.get("additionalProperties") is False or node.get("unevaluatedProperties") is False:
        return True
    return not any(k in node for k in _OPENERS) and _is_object(node, root)


def close_schema(schema: dict) -> dict:
    """Return a copy of ``schema`` in which every object rejects undeclared fields."""
    closed = copy.deepcopy(schema)
    for node in list(walk.iter_subschemas(closed)):
        sub = node.schema
        if node.position not in ("root", "child") or any(k in sub for k in _OPENERS):
            continue
        if not _is_object(sub, closed):
            continue
        if any(k in sub for k in _APPLICATORS):
            sub["unevaluatedProperties"] = False
        else:
            sub["additionalProperties"] = False
    return closed
