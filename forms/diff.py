"""What changed between two versions of a form, and whether the change breaks anything.

A change is *breaking* when data valid under the old version may be refused by
the new one (a new required field, a narrowed type, a removed enum value, a
tighter ``maxLength`` ...) or when the comparison cannot prove otherwise
(changed conditions). Publishing shows the list so the author sees what running
cases and integrators will meet; running cases keep their own version anyway.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from forms.filetypes import MEDIA_TYPES
from forms.materials import DEFAULT_MAX_BYTES
from forms.pointer import escape

LOWER_LIMITS = (
    "minLength",
    "minItems",
    "minProperties",
    "minimum",
    "exclusiveMinimum",
    "minContains",
)
UPPER_LIMITS = (
    "maxLength",
    "maxItems",
    "maxProperties",
    "maximum",
    "exclusiveMaximum",
    "maxContains",
)
ANNOTATIONS = (
    "title",
    "description",
    "x-titles",
    "examples",
    "default",
    "$comment",
    "x-semantic",
    "x-source",
    "deprecated",
    "writeOnly",
)
CHILDREN = ("items", "additionalProperties", "unevaluatedProperties", "contains", "propertyNames")
CONDITIONS = (
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "$ref",
    "prefixItems",
    "patternProperties",
    "unevaluatedItems",
)
_HANDLED = frozenset(
    {
        *LOWER_LIMITS,
        *UPPER_LIMITS,
        *ANNOTATIONS,
        *CHILDREN,
        *CONDITIONS,
        "properties",
        "required",
        "type",
        "enum",
        "const",
        "pattern",
        "format",
        "multipleOf",
        "uniqueItems",
        "readOnly",
        "x-material",
        "$defs",
        "$schema",
        "$id",
    }
)

_DESCRIPTIONS = {
    "field-added": ("新增字段", "field added"),
    "required-field-added": ("新增必填字段", "new required field"),
    "field-removed": ("删除字段", "field removed"),
    "required-added": ("字段改为必填", "field is now required"),
    "required-removed": ("字段改为选填", "field is no longer required"),
    "type-narrowed": ("类型收窄", "type narrowed"),
    "type-widened": ("类型放宽", "type widened"),
    "type-changed": ("类型改变", "type changed"),
    "enum-value-removed": ("删除可选值", "enum value removed"),
    "enum-value-added": ("新增可选值", "enum value added"),
    "enum-added": ("限定可选值", "values restricted to a list"),
    "enum-removed": ("取消可选值限制", "value list removed"),
    "const-changed": ("固定值改变", "fixed value changed"),
    "const-removed": ("取消固定值", "fixed value removed"),
    "limit-tightened": ("限制收紧", "limit tightened"),
    "limit-loosened": ("限制放宽", "limit loosened"),
    "pattern-changed": ("格式规则改变", "pattern changed"),
    "pattern-removed": ("取消格式规则", "pattern removed"),
    "format-changed": ("格式改变", "format changed"),
    "format-removed": ("取消格式校验", "format removed"),
    "multiple-changed": ("倍数限制改变", "multipleOf changed"),
    "unique-added": ("要求各项不重复", "items must now be unique"),
    "unique-removed": ("取消不重复要求", "items no longer need to be unique"),
    "read-only-added": ("字段改为只读", "field became read-only"),
    "read-only-removed": ("字段改为可填", "field is no longer read-only"),
    "material-tightened": ("材料要求收紧", "material requirements tightened"),
    "material-loosened": ("材料要求放宽", "material requirements loosened"),
    "schema-tightened": ("规则收紧", "schema became stricter"),
    "schema-loosened": ("规则放宽", "schema became looser"),
    "conditions-changed": ("条件规则改变", "conditions changed"),
    "annotation-changed": ("说明文字改变", "title or description changed"),
    "keyword-changed": ("规则改变", "keyword changed"),
}


@dataclass(frozen=True)
class SchemaChange:
    """One difference between two form versions, located in the new one (old one for removals)."""

    pointer: str
    kind: str
    breaking: bool
    keyword: str | None = None
    old: Any = None
    new: Any = None

    def describe(self, locale: str = "zh-CN") -> str:
        zh, en = _DESCRIPTIONS.get(self.kind, (self.kind, self.kind))
        text = en if locale.lower().startswith("en") else zh
        mark = (
            ("BREAKING " if locale.lower().startswith("en") else "不兼容：")
            if self.breaking
            else ""
        )
        return f"{mark}{text} ({self.pointer or '/'})"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def has_breaking(changes: list[SchemaChange]) -> bool:
    return any(change.breaking for change in changes)


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _types(schema: dict) -> set[str] | None:
    value = schema.get("type")
    if value is None:
        return None
    types = set(value if isinstance(value, list) else [value])
    return types | {"integer"} if "number" in types else types


def _material_tighter(before: dict, after: dict) -> bool:
    """Whether new material requirements refuse something the old ones accepted."""
    every_format = set(MEDIA_TYPES)
    return (
        before.get("code") != after.get("code")
        or not set(after.get("formats", every_format)) >= set(before.get("formats", every_format))
        or after.get("max_bytes", DEFAULT_MAX_BYTES) < before.get("max_bytes", DEFAULT_MAX_BYTES)
        or after.get("max_files", 1) != before.get("max_files", 1)  # changes the value's shape
        or not set(after.get("e_licence", [])) >= set(before.get("e_licence", []))
    )


class _Differ:
    def __init__(self) -> None:
        self.changes: list[SchemaChange] = []

    def add(
        self,
        pointer: str,
        kind: str,
        breaking: bool,
        keyword: str | None = None,
        old: Any = None,
        new: Any = None,
    ) -> None:
        self.changes.append(SchemaChange(pointer, kind, breaking, keyword, old, new))

    def compare(self, old: Any, new: Any, at: str) -> None:
        if _same(old, new):
            return
        if not (isinstance(old, dict) and isinstance(new, dict)):
            looser = new is True or old is False
            self.add(
                at, "schema-loosened" if looser else "schema-tightened", not looser, None, old, new
            )
            return
        self._properties(old, new, at)
        self._type(old, new, at)
        self._enum(old, new, at)
        self._limits(old, new, at)
        self._simple(old, new, at)
        self._material(old, new, at)
        for key in CHILDREN:
            if key in old or key in new:
                self.compare(old.get(key, True), new.get(key, True), f"{at}/{key}")
        self._defs(old, new, at)
        self._rest(old, new, at)

    def _properties(self, old: dict, new: dict, at: str) -> None:
        before, after = old.get("properties", {}), new.get("properties", {})
        old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
        for name in sorted(before.keys() | after.keys()):
            where = f"{at}/properties/{escape(name)}"
            if name not in after:
                self.add(where, "field-removed", True, "properties")
            elif name not in before:
                required = name in new_req
                self.add(
                    where,
                    "required-field-added" if required else "field-added",
                    required,
                    "properties",
                )
            else:
                self.compare(before[name], after[name], where)
        for name in sorted(new_req - old_req):
            if name in before:
                self.add(f"{at}/properties/{escape(name)}", "required-added", True, "required")
        for name in sorted(old_req - new_req):
            if name in after:
                self.add(f"{at}/properties/{escape(name)}", "required-removed", False, "required")

    def _type(self, old: dict, new: dict, at: str) -> None:
        before, after = _types(old), _types(new)
        if before == after:
            return
        if before is None or (after is not None and after < before):
            kind = "type-narrowed"
        elif after is None or after > before:
            kind = "type-widened"
        else:
            kind = "type-changed"
        self.add(
            f"{at}/type", kind, kind != "type-widened", "type", old.get("type"), new.get("type")
        )

    def _enum(self, old: dict, new: dict, at: str) -> None:
        before, after = old.get("enum"), new.get("enum")
        if _same(before, after):
            return
        if before is None:
            self.add(f"{at}/enum", "enum-added", True, "enum", None, after)
        elif after is None:
            self.add(f"{at}/enum", "enum-removed", False, "enum", before, None)
        else:
            shown = {json.dumps(v, sort_keys=True): v for v in after}
            for value in before:
                if json.dumps(value, sort_keys=True) not in shown:
                    self.add(f"{at}/enum", "enum-value-removed", True, "enum", value, None)
            known = {json.dumps(v, sort_keys=True) for v in before}
            for key, value in shown.items():
                if key not in known:
                    self.add(f"{at}/enum", "enum-value-added", False, "enum", None, value)

    def _limits(self, old: dict, new: dict, at: str) -> None:
        for key in (*LOWER_LIMITS, *UPPER_LIMITS):
            before, after = old.get(key), new.get(key)
            if before == after:
                continue
            lower = key in LOWER_LIMITS
            if after is None:
                tighter = False
            elif before is None:
                tighter = True
            else:
                tighter = after > before if lower else after < before
            kind = "limit-tightened" if tighter else "limit-loosened"
            self.add(f"{at}/{key}", kind, tighter, key, before, after)

    def _simple(self, old: dict, new: dict, at: str) -> None:
        pairs = (
            ("const", "const-changed", "const-removed"),
            ("pattern", "pattern-changed", "pattern-removed"),
            ("format", "format-changed", "format-removed"),
            ("multipleOf", "multiple-changed", "multiple-changed"),
        )
        for key, changed, removed in pairs:
            before, after = old.get(key), new.get(key)
            if _same(before, after):
                continue
            if after is None:
                self.add(f"{at}/{key}", removed, key == "multipleOf", key, before, None)
            else:
                self.add(f"{at}/{key}", changed, True, key, before, after)
        for key, added, removed in (
            ("uniqueItems", "unique-added", "unique-removed"),
            ("readOnly", "read-only-added", "read-only-removed"),
        ):
            before, after = bool(old.get(key)), bool(new.get(key))
            if before != after:
                self.add(f"{at}/{key}", added if after else removed, after, key, before, after)

    def _material(self, old: dict, new: dict, at: str) -> None:
        before, after = old.get("x-material"), new.get("x-material")
        if _same(before, after):
            return
        if not (isinstance(before, dict) and isinstance(after, dict)):
            self.add(f"{at}/x-material", "keyword-changed", True, "x-material", before, after)
            return
        tighter = _material_tighter(before, after)
        kind = "material-tightened" if tighter else "material-loosened"
        self.add(f"{at}/x-material", kind, tighter, "x-material", before, after)

    def _defs(self, old: dict, new: dict, at: str) -> None:
        before, after = old.get("$defs", {}), new.get("$defs", {})
        for name in sorted(before.keys() | after.keys()):
            where = f"{at}/$defs/{escape(name)}"
            if name in before and name in after:
                self.compare(before[name], after[name], where)
            elif name in after:
                self.add(where, "keyword-changed", False, "$defs", None, after[name])
            else:
                self.add(where, "keyword-changed", True, "$defs", before[name], None)

    def _rest(self, old: dict, new: dict, at: str) -> None:
        unhandled = (old.keys() | new.keys()) - _HANDLED
        for key in sorted(unhandled | set(CONDITIONS) | set(ANNOTATIONS)):
            before, after = old.get(key), new.get(key)
            if _same(before, after):
                continue
            if key in ANNOTATIONS:
                self.add(f"{at}/{escape(key)}", "annotation-changed", False, key, before, after)
            elif key in CONDITIONS:
                self.add(f"{at}/{escape(key)}", "conditions-changed", True, key, before, after)
            else:
                self.add(f"{at}/{escape(key)}", "keyword-changed", True, key, before, after)


def diff_schemas(old: dict, new: dict) -> list[SchemaChange]:
    """Every change from ``old`` to ``new`` (checked schemas), sorted by pointer."""
    differ = _Differ()
    differ.compare(old, new, "")
    return sorted(differ.changes, key=lambda change: (change.pointer, change.kind))
