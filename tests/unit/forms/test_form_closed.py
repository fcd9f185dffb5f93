"""Every object in a form is closed unless its author opens it."""

from __future__ import annotations

from forms.closed import close_schema


def test_plain_objects_get_additional_properties_false():
    schema = {
        "type": "object",
        "properties": {"a": {"type": "object", "properties": {"b": {"type": "string"}}}},
    }
    closed = close_schema(schema)
    assert closed["additionalProperties"] is False
    assert closed["properties"]["a"]["additionalProperties"] is False
    assert "additionalProperties" not in schema  # the input is not changed


def test_objects_with_applicators_use_unevaluated_properties():
    schema = {
        "type": "object",
        "properties": {"kind": {"enum": ["a", "b"]}, "addr": {"$ref": "#/$defs/address"}},
        "if": {"properties": {"kind": {"const": "a"}}},
        "then": {"properties": {"extra": {"type": "string"}}},
        "allOf": [{"$ref": "#/$defs/mixin"}],
        "$defs": {
            "address": {"type": "object", "properties": {"city": {"type": "string"}}},
            "mixin": {"properties": {"m": {}}},
        },
    }
    closed = close_schema(schema)
    assert closed["unevaluatedProperties"] is False
    assert closed["properties"]["addr"]["unevaluatedProperties"] is False
    assert "unevaluatedProperties" not in closed["then"]  # in-place branches stay open
    assert "additionalProperties" not in closed["$defs"]["mixin"]  # definitions may be mixins


def test_objects_their_author_opened_stay_open():
    schema = {
        "type": "object",
        "properties": {
            "free": {"type": "object", "additionalProperties": {"type": "string"}},
            "prefixed": {"type": "object", "patternProperties": {"^x-": {}}},
        },
    }
    closed = close_schema(schema)
    assert closed["properties"]["free"] == schema["properties"]["free"]
    assert closed["properties"]["prefixed"] == schema["properties"]["prefixed"]
