"""Application materials (申请材料) as form fields: the ``x-material`` keyword.

A material is a field whose schema carries the catalogue's requirements::

    "business_licence": {
      "title": "营业执照",
      "x-material": {
        "code": "M0001",                 # catalogue material code (required)
        "name": "营业执照",               # catalogue name (required)
        "original": "copy",              # original | copy | original-and-copy | electronic
        "copies": 1,                     # paper copies handed in at the window
        "formats": ["pdf", "ofd", "jpeg", "png"],   # accepted uploads (default: all known)
        "max_bytes": 10485760,           # per file (default 20 MiB)
        "max_files": 1,                  # >1 makes the value a list (pages, photos)
        "e_licence": ["LIC-BUSINESS"],   # e-licence types accepted instead of an upload (减证便民)
        "basis": "《市场主体登记管理条例》第十六条",
        "note": "加盖公章"
      }
    }

The field's value is a *material reference* (a list of them when ``max_files`` > 1)::

    {"source": "upload", "sha256": "<64 hex>", "size": 12345, "format": "pdf",
     "media_type": "application/pdf", "name": "营业执照.pdf"}
    {"source": "licence", "licence_type": "LIC-BUSINESS", "licence_number": "..."}

Uploads go through :class:`forms.file_store.FileStore`, which checks the content
and gives the reference (:meth:`StoredFile.reference`). Validation checks each
reference against the requirements; :func:`verify_material_files` also checks
that uploaded files are really in the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

from jsonschema import Draft202012Validator

from forms import pointer as jp
from forms import walk
from forms.filetypes import MEDIA_TYPES

KEYWORD = "x-material"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
HARD_MAX_BYTES = 200 * 1024 * 1024

SPEC_SCHEMA = {
    "type": "object",
    "required": ["code", "name"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "string", "minLength": 1, "maxLength": 64},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "original": {"enum": ["original", "copy", "original-and-copy", "electronic"]},
        "copies": {"type": "integer", "minimum": 0, "maximum": 100},
        "formats": {
            "type": "array",
            "items": {"enum": sorted(MEDIA_TYPES)},
            "minItems": 1,
            "uniqueItems": True,
        },
        "max_bytes": {"type": "integer", "minimum": 1, "maximum": HARD_MAX_BYTES},
        "max_files": {"type": "integer", "minimum": 1, "maximum": 50},
        "e_licence": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 64},
            "uniqueItems": True,
        },
        "basis": {"type": "string", "maxLength": 500},
        "note": {"type": "string", "maxLength": 1000},
    },
}

REFERENCE_SCHEMA = {
    "oneOf": [
        {
            "type": "object",
            "required": ["source", "sha256", "size", "format", "media_type", "name"],
            "additionalProperties": False,
            "properties": {
                "source": {"const": "upload"},
                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "size": {"type": "integer", "minimum": 1},
                "format": {"enum": sorted(MEDIA_TYPES)},
                "media_type": {"type": "string", "maxLength": 200},
                "name": {"type": "string", "minLength": 1, "maxLength": 255},
            },
        },
        {
            "type": "object",
            "required": ["source", "licence_type", "licence_number"],
            "additionalProperties": False,
            "properties": {
                "source": {"const": "licence"},
                "licence_type": {"type": "string", "minLength": 1, "maxLength": 64},
                "licence_number": {"type": "string", "minLength": 1, "maxLength": 128},
            },
        },
    ]
}


class MaterialProblem(Exception):
    """Why a material value does not meet its requirements (carried as an error's cause).

    ``reason`` is one of ``shape``, ``empty``, ``count``, ``format``, ``too-large``,
    ``licence-not-accepted``, ``licence-type`` or ``missing-file``; ``params``
    holds what the message needs (limit, allowed formats ...).
    """

    def __init__(self, reason: str, index: int | None = None, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.index = index
        self.params = params


@dataclass(frozen=True)
class MaterialSpec:
    """The requirements of one material, read from ``x-material``."""

    code: str
    name: str
    formats: tuple[str, ...] = tuple(MEDIA_TYPES)
    max_bytes: int = DEFAULT_MAX_BYTES
    max_files: int = 1
    e_licence: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_keyword(cls, value: dict[str, Any]) -> MaterialSpec:
        known = {"code", "name", "formats", "max_bytes", "max_files", "e_licence"}
        return cls(
            code=value["code"],
            name=value["name"],
            formats=tuple(value.get("formats", MEDIA_TYPES)),
            max_bytes=value.get("max_bytes", DEFAULT_MAX_BYTES),
            max_files=value.get("max_files", 1),
            e_licence=tuple(value.get("e_licence", ())),
            extra={k: v for k, v in value.items() if k not in known},
        )


def spec_problems(value: Any) -> list[tuple[str, str]]:
    """Authoring problems in an ``x-material`` value, as (relative pointer, message)."""
    errors = Draft202012Validator(SPEC_SCHEMA).iter_errors(value)
    return [(jp.to_pointer(e.absolute_path), e.message) for e in errors]


@cache
def _reference_validator() -> Draft202012Validator:
    return Draft202012Validator(REFERENCE_SCHEMA)


def _one_reference(ref: Any, spec: MaterialSpec, index: int | None) -> list[MaterialProblem]:
    if not _reference_validator().is_valid(ref):
        return [MaterialProblem("shape", index)]
    if ref["source"] == "licence":
        if not spec.e_licence:
            return [MaterialProblem("licence-not-accepted", index)]
        if ref["licence_type"] not in spec.e_licence:
            return [MaterialProblem("licence-type", index, allowed=list(spec.e_licence))]
        return []
    problems = []
    if ref["format"] not in spec.formats or ref["media_type"] != MEDIA_TYPES[ref["format"]]:
        problems.append(MaterialProblem("format", index, allowed=list(spec.formats)))
    if ref["size"] > spec.max_bytes:
        problems.append(MaterialProblem("too-large", index, limit=spec.max_bytes))
    return problems


def reference_problems(value: Any, spec: MaterialSpec) -> list[MaterialProblem]:
    """Every way a material value fails its requirements (empty when it meets them)."""
    if spec.max_files == 1:
        return _one_reference(value, spec, None)
    if not isinstance(value, list):
        return [MaterialProblem("shape")]
    if not value:
        return [MaterialProblem("empty")]
    problems = []
    if len(value) > spec.max_files:
        problems.append(MaterialProblem("count", limit=spec.max_files))
    for index, ref in enumerate(value):
        problems.extend(_one_reference(ref, spec, index))
    return problems


def licence_reference(licence_type: str, licence_number: str) -> dict[str, str]:
    """A material reference to an existing e-licence instead of an upload."""
    return {"source": "licence", "licence_type": licence_type, "licence_number": licence_number}


def _expand(data: Any, path: tuple[str, ...]) -> Iterator[tuple[list[str | int], Any]]:
    """Yield (concrete path, value) for a field path with ``*`` for array items."""
    stack: list[tuple[list[str | int], Any, int]] = [([], data, 0)]
    while stack:
        concrete, node, depth = stack.pop()
        if depth == len(path):
            yield concrete, node
            continue
        token = path[depth]
        if token == "*" and isinstance(node, list):
            stack.extend((concrete + [i], item, depth + 1) for i, item in enumerate(node))
        elif token != "*" and isinstance(node, dict) and token in node:
            stack.append((concrete + [token], node[token], depth + 1))


def iter_materials(schema: dict, data: Any) -> Iterator[tuple[str, MaterialSpec, Any]]:
    """Yield (pointer, requirements, value) for every material present in ``data``."""
    for path, sub in walk.iter_fields(schema):
        target = walk.field_schema(sub, schema)
        if not (isinstance(target, dict) and isinstance(target.get(KEYWORD), dict)):
            continue
        spec = MaterialSpec.from_keyword(target[KEYWORD])
        for concrete, value in _expand(data, path):
            yield jp.to_pointer(concrete), spec, value


class FileLookup(Protocol):
    def verify(self, reference: dict[str, Any]) -> bool: ...


def upload_references(schema: dict, data: Any) -> list[dict[str, Any]]:
    """Every uploaded-file reference in the material fields of ``data``."""
    found = []
    for _pointer, _spec, value in iter_materials(schema, data):
        for ref in value if isinstance(value, list) else [value]:
            if isinstance(ref, dict) and ref.get("source") == "upload" and isinstance(ref.get("sha256"), str):
                found.append(ref)
    return found


def missing_files(store: FileLookup, schema: dict, data: Any,
                  may_cite: Callable[[dict[str, Any]], bool] | None = None) -> list[tuple[str, MaterialProblem]]:
    """Uploaded files that ``data`` refers to but ``store`` does not hold (or holds differently).

    A file the submitter may not cite (``may_cite`` false: someone else's upload) is reported
    the same way, so the answer does not tell whether a file with that digest exists.
    """
    found = []
    for pointer, _spec, value in iter_materials(schema, data):
        refs = value if isinstance(value, list) else [value]
        for index, ref in enumerate(refs):
            if not (isinstance(ref, dict) and ref.get("source") == "upload"):
                continue
            if (may_cite is not None and not may_cite(ref)) or not store.verify(ref):
                where = f"{pointer}/{index}" if isinstance(value, list) else pointer
                found.append((where, MaterialProblem("missing-file", name=ref.get("name"))))
    return found
