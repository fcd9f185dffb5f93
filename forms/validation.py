"""Validating submitted form data: every problem at once (一次性告知), each at its field.

A form version is compiled once (checked, closed, its validator built, its field
titles gathered) and kept in a cache keyed by the hash of its content, so the
same schema text costs one compilation however many cases use it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from forms import messages
from forms.bounds import Limits, measure
from forms.closed import close_schema
from forms.errors import FieldError, FormDataError, FormSchemaError, SchemaProblem
from forms.keywords import make_validator
from forms.materials import FileLookup, missing_files
from forms.pointer import split, to_pointer
from forms.schema_check import check_schema

DATA_LIMITS = Limits()
CACHE_SIZE = 512


def content_hash(document: Any) -> str:
    """SHA-256 of a JSON document's canonical text (sorted keys, no spaces)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class CompiledForm:
    """A checked form schema, closed, with its validator and field titles."""

    schema: dict
    content_hash: str
    closed_schema: dict
    validator: Any
    labels: messages.Labels


class _Cache:
    """A small thread-safe LRU of compiled forms, keyed by content hash."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, CompiledForm] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> CompiledForm | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, compiled: CompiledForm) -> None:
        with self._lock:
            self._items[compiled.content_hash] = compiled
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_cache = _Cache(CACHE_SIZE)


def _cache_key(schema: Any) -> str:
    try:
        return content_hash(schema)
    except (RecursionError, TypeError, ValueError):
        check_schema(schema)  # says what is wrong: too deep, not JSON ...
        raise FormSchemaError(
            "form schema is not a JSON document", [SchemaProblem("", "not serialisable as JSON")]
        ) from None


def compile_form(schema: dict | CompiledForm, known_hash: str | None = None) -> CompiledForm:
    """Check and compile a form schema, or return the cached compilation.

    Args:
        schema: the form's JSON Schema (a :class:`CompiledForm` is returned as is).
        known_hash: its :func:`content_hash`, when the caller has it stored.

    Raises:
        FormSchemaError: the schema is broken (an authoring problem).
    """
    if isinstance(schema, CompiledForm):
        return schema
    key = known_hash or _cache_key(schema)
    found = _cache.get(key)
    if found is not None:
        return found
    check_schema(schema, content_hash=key)
    closed = close_schema(schema)
    compiled = CompiledForm(schema, key, closed, make_validator(closed), messages.Labels.of(schema))
    _cache.put(compiled)
    return compiled


def clear_cache() -> None:
    """Forget every compiled form (tests, and after changing limits)."""
    _cache.clear()


def _sort_key(error: tuple[list, FieldError]) -> tuple:
    path, field_error = error
    return tuple((0, seg) if isinstance(seg, int) else (1, seg) for seg in path), field_error.code


def _excess_error(data: Any, limits: Limits, locale: str) -> FieldError | None:
    excess = measure(data, limits)
    if excess is None:
        return None
    text = messages.message(excess.code, locale, what=excess.what, limit=excess.limit)
    return FieldError(to_pointer(excess.path), excess.code, text)


def validate_submission(
    schema: dict | CompiledForm,
    data: Any,
    locale: str = messages.DEFAULT_LOCALE,
    *,
    limits: Limits = DATA_LIMITS,
) -> list[FieldError]:
    """Every problem with ``data``, sorted by pointer; empty when the data is valid.

    Args:
        schema: the form's JSON Schema, or a :class:`CompiledForm`.
        data: the submitted data (parsed JSON).
        locale: ``zh-CN`` (default) or ``en``.
        limits: bounds on the data's depth and size, checked first.

    Raises:
        FormSchemaError: the schema itself is broken (never the applicant's fault).
    """
    compiled = compile_form(schema)
    excess = _excess_error(data, limits, locale)
    if excess is not None:
        return [excess]
    located = []
    for error in compiled.validator.iter_errors(data):
        located.append((list(error.absolute_path), messages.render(error, compiled.labels, locale)))
    located.sort(key=_sort_key)
    return list(dict.fromkeys(field_error for _, field_error in located))


def check_submission(
    schema: dict | CompiledForm,
    data: Any,
    locale: str = messages.DEFAULT_LOCALE,
    **context: Any,
) -> None:
    """Raise unless ``data`` is valid for the form.

    Raises:
        FormDataError: with every problem (the one-time notice); ``context`` is attached.
        FormSchemaError: the schema itself is broken.
    """
    errors = validate_submission(schema, data, locale)
    if errors:
        raise FormDataError(f"submission has {len(errors)} problem(s)", errors, **context)


def verify_material_files(
    store: FileLookup,
    schema: dict | CompiledForm,
    data: Any,
    locale: str = messages.DEFAULT_LOCALE,
    may_cite: Callable[[dict[str, Any]], bool] | None = None,
) -> list[FieldError]:
    """Problems with uploaded materials that ``store`` does not hold as referenced (or, given
    ``may_cite``, that the submitter may not cite: reported alike)."""
    compiled = compile_form(schema)
    found = []
    for pointer, problem in missing_files(store, compiled.schema, data, may_cite):
        path = [int(t) if t.isdigit() else t for t in split(pointer)]
        label = compiled.labels.label(path, messages.normalize_locale(locale))
        text = messages.material_message(label, problem, locale)
        found.append((path, FieldError(pointer, "x-material", text)))
    found.sort(key=_sort_key)
    return [field_error for _, field_error in found]
