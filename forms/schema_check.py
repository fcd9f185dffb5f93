"""Checking a form schema when it is saved: every authoring problem, at once.

A schema that passes is safe to compile and to show: valid against the draft
2020-12 meta-schema, bounded in size and depth, only local ``$ref``, every
``pattern`` proven safe (:mod:`forms.regex_safety`), every ``format`` known,
this package's keywords well formed, no typo'd keyword silently ignored, and no
mistake that would refuse every submission (a required field the object does not
accept, a lower bound above its upper bound, an empty ``enum``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from forms import walk
from forms.bounds import Limits, measure
from forms.closed import accepts_only_declared
from forms.errors import FormSchemaError, SchemaProblem
from forms.formats import known_formats
from forms.materials import KEYWORD as MATERIAL_KEYWORD
from forms.materials import spec_problems
from forms.personal import KEYWORD as PERSONAL_KEYWORD
from forms.pointer import escape, to_pointer
from forms.regex_safety import compile_linear, pattern_problems
from forms.ui_schema import ui_schema_problems

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_LIMITS = Limits(max_depth=32, max_nodes=20_000, max_string=20_000, max_chars=1_000_000)
MAX_SCHEMA_BYTES = 512 * 1024

EXTENSIONS = frozenset({MATERIAL_KEYWORD, "x-semantic", "x-titles", "x-source", PERSONAL_KEYWORD})
_SEMANTIC_KEY = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
_UNSUPPORTED = ("$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor")
_CLOSERS = ("additionalProperties", "unevaluatedProperties", "patternProperties")


@cache
def _meta_validator() -> Draft202012Validator:
    return Draft202012Validator(Draft202012Validator.META_SCHEMA)


@cache
def _known_keywords() -> frozenset[str]:
    vocabulary = set(Draft202012Validator.VALIDATORS)
    vocabulary |= {
        "$schema",
        "$id",
        "$anchor",
        "$defs",
        "definitions",
        "$comment",
        "$ref",
        "$vocabulary",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "contentMediaType",
        "contentEncoding",
        "contentSchema",
        "then",
        "else",
        "minContains",
        "maxContains",
    }
    return frozenset(vocabulary | EXTENSIONS)


def _check_ref(node: walk.SchemaNode, root: dict) -> Iterator[SchemaProblem]:
    ref = node.schema.get("$ref")
    if ref is None:
        return
    where = f"{node.pointer}/$ref"
    if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")):
        yield SchemaProblem(where, f"only local references (#/...) are allowed, not {ref!r}")
    elif walk.resolve_ref(root, ref) is None:
        yield SchemaProblem(where, f"reference {ref!r} points at nothing in this schema")


def _check_patterns(node: walk.SchemaNode) -> Iterator[SchemaProblem]:
    schema = node.schema
    if isinstance(schema.get("pattern"), str):
        for reason in pattern_problems(schema["pattern"]):
            yield SchemaProblem(f"{node.pointer}/pattern", f"unsafe pattern: {reason}")
    if isinstance(schema.get("patternProperties"), dict):
        for regex in schema["patternProperties"]:
            for reason in pattern_problems(regex):
                where = f"{node.pointer}/patternProperties/{escape(regex)}"
                yield SchemaProblem(where, f"unsafe pattern: {reason}")


def _check_extensions(node: walk.SchemaNode) -> Iterator[SchemaProblem]:
    schema, at = node.schema, node.pointer
    if MATERIAL_KEYWORD in schema:
        for relative, message in spec_problems(schema[MATERIAL_KEYWORD]):
            yield SchemaProblem(f"{at}/{MATERIAL_KEYWORD}{relative}", message)
        kind = schema.get("type", "object")
        kinds = kind if isinstance(kind, list) else [kind]
        if not set(kinds) <= {"object", "array"}:
            yield SchemaProblem(
                f"{at}/type", "a material field holds references: type object or array"
            )
    semantic = schema.get("x-semantic")
    if semantic is not None and not (
        isinstance(semantic, str) and _SEMANTIC_KEY.fullmatch(semantic)
    ):
        yield SchemaProblem(
            f"{at}/x-semantic", "x-semantic must be a dotted key like applicant.id_number"
        )
    if PERSONAL_KEYWORD in schema and not isinstance(schema[PERSONAL_KEYWORD], bool):
        yield SchemaProblem(f"{at}/{PERSONAL_KEYWORD}", f"{PERSONAL_KEYWORD} is true or false")
    titles = schema.get("x-titles")
    if titles is not None and not (
        isinstance(titles, dict) and all(isinstance(v, str) for v in titles.values())
    ):
        yield SchemaProblem(
            f"{at}/x-titles", 'x-titles must map a locale to a title, e.g. {"en": "Name"}'
        )
    source = schema.get("x-source")
    if source is not None:
        if not (isinstance(source, str) and source.startswith("/")):
            yield SchemaProblem(
                f"{at}/x-source", "x-source must be a JSON pointer into the case data"
            )
        if schema.get("readOnly") is not True:
            yield SchemaProblem(
                f"{at}/x-source", "a field shown from earlier data must be readOnly"
            )


def _check_keywords(node: walk.SchemaNode, root: dict) -> Iterator[SchemaProblem]:
    schema, at = node.schema, node.pointer
    for key in schema:
        if key in _UNSUPPORTED:
            yield SchemaProblem(f"{at}/{escape(key)}", f"{key} is not supported in forms")
        elif key not in _known_keywords():
            yield SchemaProblem(f"{at}/{escape(key)}", f"unknown keyword {key!r} (a typo?)")
    if "$id" in schema and node.position != "root":
        yield SchemaProblem(f"{at}/$id", "$id is only allowed at the top of a form")
    if isinstance(schema.get("format"), str) and schema["format"] not in known_formats():
        yield SchemaProblem(f"{at}/format", f"unknown format {schema['format']!r}")
    yield from _check_ref(node, root)
    yield from _check_patterns(node)
    yield from _check_extensions(node)


def _check_required(node: walk.SchemaNode, root: dict) -> Iterator[SchemaProblem]:
    """A required field the object does not accept would make every submission fail."""
    if node.position not in ("root", "child") or not accepts_only_declared(node.schema, root):
        return
    declared = walk.declared_properties(node.schema, root)
    patterns = node.schema.get("patternProperties")
    patterns = [p for p in patterns if not pattern_problems(p)] if isinstance(patterns, dict) else []
    for part in walk.in_place_parts(node.schema, root):
        names = part.get("required", []) if isinstance(part.get("required"), list) else []
        where = f"{node.pointer}/required" if part is node.schema else node.pointer
        for name in names:
            if not isinstance(name, str):
                continue
            if name not in declared and not any(compile_linear(p).search(name) for p in patterns):
                yield SchemaProblem(where, f"required field {name!r} is not declared, so no submission "
                                           "could fill in the form")
            elif isinstance(declared.get(name), dict) and declared[name].get("readOnly") is True:
                yield SchemaProblem(where, f"read-only field {name!r} cannot be required")
            elif declared.get(name) is False:
                yield SchemaProblem(where, f"required field {name!r} is declared false, so no submission "
                                           "could fill in the form")


# (lower bound, upper bound): a schema whose lower bound is above its upper accepts nothing.
_BOUNDS = (("minLength", "maxLength"), ("minItems", "maxItems"), ("minProperties", "maxProperties"),
           ("minContains", "maxContains"), ("minimum", "maximum"))


def _check_bounds(node: walk.SchemaNode) -> Iterator[SchemaProblem]:
    schema = node.schema
    for low, high in _BOUNDS:
        lower, upper = schema.get(low), schema.get(high)
        if _number(lower) and _number(upper) and lower > upper:
            yield SchemaProblem(f"{node.pointer}/{low}", f"{low} {lower} is above {high} {upper}: no value fits")
    lower = schema.get("exclusiveMinimum", schema.get("minimum"))
    upper = schema.get("exclusiveMaximum", schema.get("maximum"))
    exclusive = "exclusiveMinimum" in schema or "exclusiveMaximum" in schema
    if exclusive and _number(lower) and _number(upper) and lower >= upper:
        yield SchemaProblem(node.pointer, f"the bounds {lower} and {upper} leave no number between them")
    if schema.get("enum") == []:
        yield SchemaProblem(f"{node.pointer}/enum", "an empty enum accepts no value")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _root_problems(schema: dict) -> Iterator[SchemaProblem]:
    if schema.get("type") != "object":
        yield SchemaProblem("/type", 'a form is an object: the top level needs "type": "object"')
    if "$schema" in schema and schema["$schema"] != DRAFT:
        yield SchemaProblem("/$schema", f"forms use JSON Schema draft 2020-12 ({DRAFT})")


def _size_problems(schema: Any, document: str) -> list[SchemaProblem]:
    excess = measure(schema, SCHEMA_LIMITS)
    if excess is not None:
        message = f"too large: {excess.what} over {excess.limit}"
        return [SchemaProblem(to_pointer(excess.path), message, document)]
    try:
        text = json.dumps(schema, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return [SchemaProblem("", f"not a JSON document: {exc}", document)]
    if len(text.encode()) > MAX_SCHEMA_BYTES:
        return [SchemaProblem("", f"larger than {MAX_SCHEMA_BYTES} bytes", document)]
    return []


def schema_problems(schema: Any, ui_schema: Any = None, *, whole_form: bool = True) -> list[SchemaProblem]:
    """Every authoring problem in a form schema and its UI schema (empty when fine).

    ``whole_form=False`` checks a schema as one field of a form: it need not be an object
    (``true`` and ``false`` are schemas too). The JSON-Schema-Test-Suite is run so.
    """
    if isinstance(schema, bool) and not whole_form:
        return []
    if not isinstance(schema, dict):
        return [SchemaProblem("", "a form schema must be a JSON object")]
    problems = _size_problems(schema, "schema")
    if ui_schema is not None:
        problems += _size_problems(ui_schema, "ui_schema")
    if problems:
        return problems  # the checks below recurse; never run them on an oversized document
    problems += [
        SchemaProblem(to_pointer(e.absolute_path), f"not valid JSON Schema: {e.message}")
        for e in _meta_validator().iter_errors(schema)
    ]
    if whole_form:
        problems += _root_problems(schema)
    for node in walk.iter_subschemas(schema):
        problems += _check_keywords(node, schema)
        problems += _check_required(node, schema)
        problems += _check_bounds(node)
    if ui_schema is not None:
        problems += ui_schema_problems(ui_schema, schema)
    return sorted(set(problems))


def check_schema(schema: Any, ui_schema: Any = None, **context: Any) -> None:
    """Raise if a form schema (or its UI schema) has any authoring problem.

    Args:
        schema: the JSON Schema of the form.
        ui_schema: its layout, if any (see :mod:`forms.ui_schema`).
        **context: added to the error (``form_key`` ...).

    Raises:
        FormSchemaError: listing every problem with its JSON pointer.
    """
    problems = schema_problems(schema, ui_schema)
    if problems:
        raise FormSchemaError(f"form schema has {len(problems)} problem(s)", problems, **context)
