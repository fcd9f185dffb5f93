"""One form for several items (一表申请): merge item forms, split the data back.

Fields that mean the same thing in several items (same ``x-semantic`` key on a
top-level property, e.g. ``applicant.id_number``) are asked once; every other
field is kept per item. The merged form is flat::

    {"applicant.id_number": ...,        # shared: named by its semantic key
     "SEAL-01.seal_type": ...,          # item-specific: "<item code>.<name>"
     ...}

Each item's conditions (``if``/``then``, ``dependentRequired`` ...) are carried
over with their field names renamed, and each item's whole schema is kept under
``$defs/<item code>`` so its local ``$ref`` still resolve. A shared field must
satisfy every item: identical definitions are used once, compatible ones are
combined with ``allOf``, and conflicting ones (different type, format, enum,
const or material) are reported, never silently merged.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forms import messages, walk
from forms.errors import FieldError, FormDataError, FormMergeError, SchemaProblem
from forms.pointer import escape
from forms.prefill import semantic_of
from forms.schema_check import schema_problems

CONFLICT_KEYWORDS = ("type", "format", "enum", "const", "x-material")
ANNOTATIONS = ("title", "description", "x-titles", "examples", "default", "$comment")
ROOT_PLAIN = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "type",
        "title",
        "description",
        "x-titles",
        "properties",
        "required",
        "$defs",
        "additionalProperties",
        "unevaluatedProperties",
    }
)
ROOT_CONDITIONS = (
    "allOf",
    "anyOf",
    "oneOf",
    "if",
    "then",
    "else",
    "not",
    "dependentRequired",
    "dependentSchemas",
)
SHARED_GROUP_TITLE = "共同信息"


@dataclass(frozen=True)
class MergedForm:
    """The merged form and how its fields map back to the items' fields.

    Attributes:
        schema: the merged JSON Schema.
        ui_schema: a layout with the shared fields first, then one group per item.
        fields: merged field name -> ((item code, field name in that item), ...).
        items: the item codes, in the order given.
    """

    schema: dict
    ui_schema: dict
    fields: dict[str, tuple[tuple[str, str], ...]]
    items: tuple[str, ...]

    def shared_fields(self) -> list[str]:
        return [name for name, owners in self.fields.items() if len(owners) > 1]


def _item_problem(code: str, pointer: str, message: str) -> SchemaProblem:
    return SchemaProblem(pointer, message, f"item:{code}")


def _rewrite_refs(value: Any, code: str) -> Any:
    """Copy a subschema of item ``code`` with its local refs pointing into ``$defs/<code>``."""
    copied = copy.deepcopy(value)
    prefix = f"#/$defs/{escape(code)}"
    for node in walk.iter_subschemas(copied):
        ref = node.schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            node.schema["$ref"] = prefix + ref[1:]
    return copied


class _Renamer:
    """Renames field references at an item's top level (in-place subschemas only)."""

    def __init__(self, code: str, root: dict, names: dict[str, str]) -> None:
        self.code, self.root, self.names = code, root, names

    def name(self, original: str) -> str:
        return self.names.get(original, original)

    def level(self, schema: Any, depth: int = 0) -> Any:
        if not isinstance(schema, dict) or depth > walk.MAX_WALK_DEPTH:
            return schema
        out: dict[str, Any] = {}
        for key, value in schema.items():
            out.update(self._keyword(key, value, depth))
        return out

    def _keyword(self, key: str, value: Any, depth: int) -> dict[str, Any]:
        if key == "properties":
            return {key: {self.name(n): _rewrite_refs(s, self.code) for n, s in value.items()}}
        if key == "required":
            return {key: [self.name(n) for n in value]}
        if key == "dependentRequired":
            return {key: {self.name(t): [self.name(n) for n in ns] for t, ns in value.items()}}
        if key == "dependentSchemas":
            return {key: {self.name(t): self.level(s, depth + 1) for t, s in value.items()}}
        if key in ("allOf", "anyOf", "oneOf"):
            return {key: [self.level(s, depth + 1) for s in value]}
        if key in ("if", "then", "else", "not"):
            return {key: self.level(value, depth + 1)}
        if key == "$ref":  # a mixin at the top level: inline it so its fields are renamed too
            return {"allOf": [self.level(walk.resolve_ref(self.root, value), depth + 1)]}
        return {key: _rewrite_refs(value, self.code)}


def _normalized(field: Any, root: dict) -> dict[str, str]:
    target = walk.field_schema(field, root)
    if not isinstance(target, dict):
        return {}
    result = {}
    for key in CONFLICT_KEYWORDS:
        value = target.get(key)
        if key == "type" and isinstance(value, list):
            value = sorted(value)
        elif key == "enum" and isinstance(value, list):
            value = sorted(json.dumps(v, sort_keys=True) for v in value)
        elif key == "x-material" and isinstance(value, dict):
            value = value.get("code")
        result[key] = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return result


def _without_annotations(field: Any) -> Any:
    if not isinstance(field, dict):
        return field
    return {k: v for k, v in field.items() if k not in ANNOTATIONS}


def _has_ref(field: Any) -> bool:
    return any("$ref" in node.schema for node in walk.iter_subschemas(field))


class _Merger:
    def __init__(self, forms: Mapping[str, dict]) -> None:
        self.forms = dict(forms)
        self.problems: list[SchemaProblem] = []
        self.shared: dict[str, list[tuple[str, str]]] = {}  # semantic key -> [(code, name)]
        self.names: dict[str, dict[str, str]] = {}  # code -> original -> merged

    def check_items(self) -> None:
        for code, schema in self.forms.items():
            for p in schema_problems(schema):
                self.problems.append(_item_problem(code, p.pointer, p.message))
            if not isinstance(schema, dict):
                continue
            for key, value in schema.items():
                plain = key in ROOT_PLAIN or key in ROOT_CONDITIONS
                if not plain or (
                    key in ("additionalProperties", "unevaluatedProperties") and value
                ):
                    self.problems.append(
                        _item_problem(
                            code, f"/{escape(key)}", f"{key!r} at the top level cannot be merged"
                        )
                    )

    def find_shared(self) -> None:
        owners: dict[str, list[tuple[str, str]]] = {}
        for code, schema in self.forms.items():
            seen: dict[str, str] = {}
            for name, field in schema.get("properties", {}).items():
                key = semantic_of(field, schema)
                if key is None:
                    continue
                if key in seen:
                    where = f"/properties/{escape(name)}"
                    self.problems.append(
                        _item_problem(code, where, f"x-semantic {key!r} is also on {seen[key]!r}")
                    )
                    continue
                seen[key] = name
                owners.setdefault(key, []).append((code, name))
        self.shared = {key: pairs for key, pairs in owners.items() if len(pairs) > 1}

    def check_conflicts(self) -> None:
        for key, pairs in self.shared.items():
            first_code, first_name = pairs[0]
            first = _normalized(
                self.forms[first_code]["properties"][first_name], self.forms[first_code]
            )
            for code, name in pairs[1:]:
                other = _normalized(self.forms[code]["properties"][name], self.forms[code])
                for keyword in CONFLICT_KEYWORDS:
                    if first[keyword] != other[keyword]:
                        self.problems.append(
                            _item_problem(
                                code,
                                f"/properties/{escape(name)}/{keyword}",
                                f"shared field {key!r}: {keyword} {other[keyword]} here, "
                                f"{first[keyword]} in item {first_code!r}",
                            )
                        )

    def assign_names(self) -> dict[str, tuple[tuple[str, str], ...]]:
        fields: dict[str, list[tuple[str, str]]] = {}
        shared_of = {
            (code, name): key for key, pairs in self.shared.items() for code, name in pairs
        }
        for code, schema in self.forms.items():
            names = {}
            for name in walk.declared_properties(schema, schema):
                merged = shared_of.get((code, name), f"{code}.{name}")
                names[name] = merged
                fields.setdefault(merged, []).append((code, name))
            self.names[code] = names
        for merged, owners in fields.items():
            if len(owners) > 1 and merged not in self.shared:
                self.problems.append(
                    SchemaProblem("", f"merged field name {merged!r} is ambiguous", "merged")
                )
        return {merged: tuple(owners) for merged, owners in fields.items()}

    def _property(self, merged: str, owners: tuple[tuple[str, str], ...]) -> Any:
        raw = [self.forms[code]["properties"][name] for code, name in owners]
        defs = [_rewrite_refs(field, code) for field, (code, _) in zip(raw, owners, strict=True)]
        if len(defs) == 1:
            return defs[0]
        bare = [_without_annotations(field) for field in raw]
        if all(b == bare[0] for b in bare) and not any(_has_ref(f) for f in raw):
            return defs[0]
        first = defs[0] if isinstance(defs[0], dict) else {}
        combined = {k: first[k] for k in (*ANNOTATIONS, "x-semantic") if k in first}
        combined["allOf"] = defs
        return combined

    def build(self, fields: dict[str, tuple[tuple[str, str], ...]]) -> tuple[dict, dict]:
        properties, required, conditions, defs = {}, [], [], {}
        for code, schema in self.forms.items():
            embedded = _rewrite_refs(schema, code)
            defs[code] = {k: v for k, v in embedded.items() if k not in ("$id", "$schema")}
            names = self.names[code]
            required += [names[n] for n in schema.get("required", []) if names[n] not in required]
            condition = {k: schema[k] for k in ROOT_CONDITIONS if k in schema}
            if condition:
                conditions.append(_Renamer(code, schema, names).level(condition))
        for merged, owners in fields.items():
            at_root = tuple(o for o in owners if o[1] in self.forms[o[0]].get("properties", {}))
            if at_root:
                properties[merged] = self._property(merged, at_root)
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": properties,
            "required": required,
            "$defs": defs,
        }
        if conditions:
            schema["allOf"] = conditions
        return schema, self._layout(fields)

    def _layout(self, fields: dict[str, tuple[tuple[str, str], ...]]) -> dict:
        shared = [name for name in fields if name in self.shared]
        groups = [{"title": SHARED_GROUP_TITLE, "fields": shared}] if shared else []
        for code, schema in self.forms.items():
            own = [m for m in self.names[code].values() if m not in self.shared]
            groups.append({"title": str(schema.get("title", code)), "fields": own})
        order = [name for group in groups for name in group["fields"]]
        return {"ui:order": order, "ui:groups": groups}


def _raise_if(problems: list[SchemaProblem], message: str) -> None:
    if problems:
        raise FormMergeError(message, problems)


def merge_forms(forms: Mapping[str, dict]) -> MergedForm:
    """Merge the application forms of several service items into one (一表申请).

    Args:
        forms: item code -> that item's form schema, in the order to show them.

    Raises:
        FormMergeError: listing every conflict or unmergeable construct, by item.
    """
    if not forms:
        raise FormMergeError(
            "no forms to merge", [SchemaProblem("", "give at least one item form")]
        )
    merger = _Merger(forms)
    merger.check_items()
    _raise_if(merger.problems, "item forms cannot be merged")
    merger.find_shared()
    merger.check_conflicts()
    fields = merger.assign_names()
    _raise_if(merger.problems, "item forms have conflicting shared fields")
    schema, ui_schema = merger.build(fields)
    _raise_if(schema_problems(schema, ui_schema), "merged form is not a valid form")
    return MergedForm(schema, ui_schema, fields, tuple(forms))


def split_submission(merged: MergedForm, data: Any, locale: str = "zh-CN") -> dict[str, dict]:
    """Split data of a merged form into each item's own data (shared values go to every item).

    Validate ``data`` against ``merged.schema`` first; this only refuses unknown fields.

    Raises:
        FormDataError: ``data`` is not an object or has fields the merged form lacks.
    """
    if not isinstance(data, dict):
        label = messages.Labels({}).label([], messages.normalize_locale(locale))
        text = messages.message(
            "type", locale, label=label, expected=messages.type_names(["object"], locale)
        )
        raise FormDataError("merged submission must be an object", [FieldError("", "type", text)])
    unknown = [
        FieldError(
            f"/{escape(key)}",
            "additionalProperties",
            messages.message("additionalProperties", locale, label=messages.quote(key, locale)),
        )
        for key in data
        if key not in merged.fields
    ]
    if unknown:
        raise FormDataError("submission has fields the merged form does not declare", unknown)
    parts: dict[str, dict] = {code: {} for code in merged.items}
    for name, value in data.items():
        for code, original in merged.fields[name]:
            parts[code][original] = copy.deepcopy(value)
    return parts
