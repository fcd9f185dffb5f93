"""Walking a form schema: which keywords hold subschemas, and which fields a form declares.

JSON Schema keywords fall in three groups for our purposes: *in-place* applicators
(``allOf``, ``if``/``then``/``else`` ...) apply to the same instance, *child*
keywords (``properties``, ``items`` ...) apply to a part of it, and ``$defs`` only
holds definitions. Every walk here is iterative or bounded, so a hostile schema
cannot exhaust the stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from forms import pointer as jp

IN_PLACE_ONE = ("not", "if", "then", "else")
IN_PLACE_MANY = ("allOf", "anyOf", "oneOf")
IN_PLACE_MAP = ("dependentSchemas",)
CHILD_ONE = (
    "items",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "propertyNames",
)
CHILD_MANY = ("prefixItems",)
CHILD_MAP = ("properties", "patternProperties")
DEFS_MAP = ("$defs", "definitions")

# In-place applicators that always apply, versus those that apply only sometimes.
UNCONDITIONAL = ("allOf",)
CONDITIONAL = ("anyOf", "oneOf", "if", "then", "else", "dependentSchemas")

MAX_WALK_DEPTH = 64
MAX_IN_PLACE_PARTS = 1000  # allOf branches and $ref targets merged into one object level


@dataclass(frozen=True)
class SchemaNode:
    """A subschema found by :func:`iter_subschemas`.

    ``position`` says how it is reached: ``root``, ``child`` (applies to a part of
    the parent's instance), ``in-place`` (applies to the same instance) or ``def``.
    """

    pointer: str
    schema: Any
    depth: int
    position: str


def _children(node: SchemaNode) -> Iterator[SchemaNode]:
    schema, depth = node.schema, node.depth + 1
    for groups, position in (
        ((IN_PLACE_ONE, IN_PLACE_MANY, IN_PLACE_MAP), "in-place"),
        ((CHILD_ONE, CHILD_MANY, CHILD_MAP), "child"),
        (((), (), DEFS_MAP), "def"),
    ):
        one, many, mapping = groups
        for key in one:
            if key in schema:
                yield SchemaNode(f"{node.pointer}/{key}", schema[key], depth, position)
        for key in many:
            if isinstance(schema.get(key), list):
                for index, sub in enumerate(schema[key]):
                    yield SchemaNode(f"{node.pointer}/{key}/{index}", sub, depth, position)
        for key in mapping:
            if isinstance(schema.get(key), dict):
                for name, sub in schema[key].items():
                    yield SchemaNode(
                        f"{node.pointer}/{key}/{jp.escape(name)}", sub, depth, position
                    )


def iter_subschemas(schema: Any) -> Iterator[SchemaNode]:
    """Yield the schema and every object subschema in it, parents first.

    Boolean subschemas are skipped; callers bound depth themselves (``node.depth``).
    """
    stack = [SchemaNode("", schema, 0, "root")]
    while stack:
        node = stack.pop()
        if not isinstance(node.schema, dict):
            continue
        yield node
        stack.extend(reversed(list(_children(node))))


def resolve_ref(root: Any, ref: str) -> Any:
    """Resolve a local ``$ref`` (``#`` or ``#/...``) against ``root``; None when it does not.

    The fragment is a URI fragment: percent-encoded characters (``#/$defs/percent%25field``)
    are decoded before the JSON pointer is read, as JSON Schema says.
    """
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        return None
    return jp.resolve(root, unquote(ref[1:]))


def in_place_parts(schema: dict, root: Any, *, conditional: bool = True) -> Iterator[dict]:
    """Yield ``schema`` and the in-place subschemas that add to the same object level."""
    seen: set[int] = set()
    stack = [schema]
    while stack:
        current = stack.pop()
        if not isinstance(current, dict) or id(current) in seen or len(seen) > MAX_IN_PLACE_PARTS:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current.get("$ref"), str):
            stack.append(resolve_ref(root, current["$ref"]))
        stack.extend(current.get("allOf", []) if isinstance(current.get("allOf"), list) else [])
        if not conditional:
            continue
        for key in ("anyOf", "oneOf"):
            if isinstance(current.get(key), list):
                stack.extend(current[key])
        stack.extend(current[key] for key in ("if", "then", "else") if key in current)
        if isinstance(current.get("dependentSchemas"), dict):
            stack.extend(current["dependentSchemas"].values())


def declared_properties(schema: Any, root: Any, *, conditional: bool = True) -> dict[str, Any]:
    """Properties declared for one object level, including in-place branches.

    Args:
        schema: the subschema of the object.
        root: the whole schema, to resolve local ``$ref``.
        conditional: also count properties of branches that apply only sometimes
            (``if``/``then``/``else``, ``anyOf``, ``oneOf``, ``dependentSchemas``).
    """
    found: dict[str, Any] = {}
    if not isinstance(schema, dict):
        return found
    for part in in_place_parts(schema, root, conditional=conditional):
        properties = part.get("properties")
        if isinstance(properties, dict):
            for name, sub in properties.items():
                found.setdefault(name, sub)
    return found


def field_schema(schema: Any, root: Any) -> Any:
    """Follow a field's local ``$ref`` chain to the schema that defines it (bounded)."""
    for _ in range(MAX_WALK_DEPTH):
        if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
            return schema
        target = resolve_ref(root, schema["$ref"])
        if target is None:
            return schema
        schema = target
    return schema


def iter_fields(
    root: Any, *, conditional: bool = True, into_arrays: bool = True
) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Yield ``(path, schema)`` for every field a form declares, parents first.

    ``path`` holds property names; ``"*"`` stands for "any item" of an array. A
    recursive schema (a field that refers back to an enclosing object) is followed
    once: the walk does not descend into a definition it is already inside.
    """
    stack: list[tuple[tuple[str, ...], Any, frozenset[int]]] = [((), root, frozenset())]
    while stack:
        path, schema, inside = stack.pop()
        if path:
            yield path, schema
        target = field_schema(schema, root)
        if id(target) in inside or len(path) >= MAX_WALK_DEPTH:
            continue
        inside = inside | {id(target)}
        children = [
            (path + (name,), sub, inside)
            for name, sub in declared_properties(target, root, conditional=conditional).items()
        ]
        if into_arrays and isinstance(target, dict) and isinstance(target.get("items"), dict):
            children.append((path + ("*",), target["items"], inside))
        stack.extend(reversed(children))
