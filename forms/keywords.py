"""Keyword implementations that differ from stock jsonschema, and the validator class.

Why each differs:

* ``properties`` keeps the location of a field refused by a ``false`` subschema.
* ``required``, ``dependentRequired``, ``additionalProperties`` and
  ``unevaluatedProperties: false`` report one error *per field*, located at that
  field (``/applicant/name``), not one error at the parent listing names: the
  applicant's screen marks each field.
* ``pattern`` and ``patternProperties`` run under RE2, in time linear in the input.
* ``readOnly`` is enforced: data shown from earlier steps may not be submitted back.
* ``x-material`` checks material references (see :mod:`forms.materials`).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators

from forms.formats import format_checker
from forms.materials import KEYWORD as MATERIAL_KEYWORD
from forms.materials import MaterialSpec, reference_problems
from forms.regex_safety import compile_linear

try:  # the one helper that knows which properties in-place applicators evaluated
    from jsonschema._utils import find_evaluated_property_keys_by_schema as _evaluated_keys
except ImportError:  # pragma: no cover - a future jsonschema; fall back to its own keyword
    _evaluated_keys = None

_STOCK = Draft202012Validator.VALIDATORS


class Dependency(Exception):
    """Cause of a ``dependentRequired`` error: the field whose presence requires another."""

    def __init__(self, trigger: str) -> None:
        super().__init__(trigger)
        self.trigger = trigger


def _descend(validator, value, subschema, key, schema_path=None) -> Iterator[ValidationError]:
    # jsonschema drops the path for a ``false`` subschema; keep it so the error is located.
    if subschema is False:
        yield ValidationError(
            f"{key!r} must not be given", path=[key], validator=None, validator_value=None
        )
        return
    yield from validator.descend(value, subschema, path=key, schema_path=schema_path or key)


def properties(validator, declared, instance, schema) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for name, subschema in declared.items():
        if name in instance:
            yield from _descend(validator, instance[name], subschema, name)


def required(validator, names, instance, schema) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for name in names:
        if name not in instance:
            yield ValidationError(f"{name!r} is a required property", path=[name])


def dependent_required(validator, dependencies, instance, schema) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for trigger, names in dependencies.items():
        if trigger not in instance:
            continue
        for name in names:
            if name not in instance:
                yield ValidationError(
                    f"{name!r} is required when {trigger!r} is present",
                    path=[name],
                    cause=Dependency(trigger),
                )


def _matches_any(patterns: dict[str, Any], key: str) -> bool:
    return any(compile_linear(p).search(key) for p in patterns)


def additional_properties(validator, extra, instance, schema) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    declared = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    extras = [k for k in instance if k not in declared and not _matches_any(patterns, k)]
    if validator.is_type(extra, "object"):
        for key in extras:
            yield from _descend(validator, instance[key], extra, key)
    elif extra is False:
        for key in extras:
            yield ValidationError(f"{key!r} is not a field of this form", path=[key])


def unevaluated_properties(validator, extra, instance, schema) -> Iterator[ValidationError]:
    if extra is not False or _evaluated_keys is None:
        yield from _STOCK["unevaluatedProperties"](validator, extra, instance, schema)
        return
    if not validator.is_type(instance, "object"):
        return
    evaluated = set(_evaluated_keys(validator, instance, schema))
    for key in instance:
        if key not in evaluated:
            yield ValidationError(f"{key!r} is not a field of this form", path=[key])


def pattern(validator, regex, instance, schema) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not compile_linear(regex).search(instance):
        yield ValidationError(f"{instance!r} does not match {regex!r}")


def pattern_properties(validator, patterns, instance, schema) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for regex, subschema in patterns.items():
        compiled = compile_linear(regex)
        for key, value in instance.items():
            if compiled.search(key):
                yield from _descend(validator, value, subschema, key, regex)


def read_only(validator, flag, instance, schema) -> Iterator[ValidationError]:
    # Called only where the data has a value, so any value here was submitted.
    if flag is True:
        yield ValidationError("read-only field was submitted")


def material(validator, spec, instance, schema) -> Iterator[ValidationError]:
    for problem in reference_problems(instance, MaterialSpec.from_keyword(spec)):
        path = [] if problem.index is None else [problem.index]
        yield ValidationError(f"material: {problem.reason}", path=path, cause=problem)


@cache
def validator_class() -> type:
    """Draft 2020-12 with this package's keywords (built on first use, then shared)."""
    return validators.extend(
        Draft202012Validator,
        {
            "properties": properties,
            "required": required,
            "dependentRequired": dependent_required,
            "additionalProperties": additional_properties,
            "unevaluatedProperties": unevaluated_properties,
            "pattern": pattern,
            "patternProperties": pattern_properties,
            "readOnly": read_only,
            MATERIAL_KEYWORD: material,
        },
        format_checker=format_checker(),
    )


def make_validator(schema: dict) -> Any:
    """A validator for one (already checked) schema, with format checking on."""
    return validator_class()(schema, format_checker=format_checker())
