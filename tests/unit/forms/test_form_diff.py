"""Publishing shows what changed and marks the changes that break existing data."""

from __future__ import annotations

import copy

import pytest

from forms.diff import diff_schemas, has_breaking

BASE = {
    "type": "object",
    "properties": {
        "name": {"title": "姓名", "type": "string", "maxLength": 20},
        "age": {"type": "number", "minimum": 0},
        "kind": {"enum": ["a", "b"]},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
        "doc": {
            "x-material": {
                "code": "M1",
                "name": "章程",
                "formats": ["pdf", "ofd"],
                "max_bytes": 1000,
            }
        },
        "note": {"type": "string"},
    },
    "required": ["name"],
}


def _changed(edit) -> dict:
    new = copy.deepcopy(BASE)
    edit(new)
    return new


def _props(schema):
    return schema["properties"]


CASES = [
    (
        "new optional field",
        lambda s: _props(s).update(email={"type": "string"}),
        "/properties/email",
        "field-added",
        False,
    ),
    (
        "new required field",
        lambda s: (_props(s).update(email={"type": "string"}), s["required"].append("email")),
        "/properties/email",
        "required-field-added",
        True,
    ),
    ("field removed", lambda s: _props(s).pop("note"), "/properties/note", "field-removed", True),
    (
        "field now required",
        lambda s: s["required"].append("note"),
        "/properties/note",
        "required-added",
        True,
    ),
    (
        "field now optional",
        lambda s: s["required"].remove("name"),
        "/properties/name",
        "required-removed",
        False,
    ),
    (
        "number to integer",
        lambda s: _props(s)["age"].update(type="integer"),
        "/properties/age/type",
        "type-narrowed",
        True,
    ),
    (
        "string or null",
        lambda s: _props(s)["name"].update(type=["string", "null"]),
        "/properties/name/type",
        "type-widened",
        False,
    ),
    (
        "string to boolean",
        lambda s: _props(s)["note"].update(type="boolean"),
        "/properties/note/type",
        "type-changed",
        True,
    ),
    (
        "enum value removed",
        lambda s: _props(s)["kind"].update(enum=["a"]),
        "/properties/kind/enum",
        "enum-value-removed",
        True,
    ),
    (
        "enum value added",
        lambda s: _props(s)["kind"].update(enum=["a", "b", "c"]),
        "/properties/kind/enum",
        "enum-value-added",
        False,
    ),
    (
        "tighter maxLength",
        lambda s: _props(s)["name"].update(maxLength=10),
        "/properties/name/maxLength",
        "limit-tightened",
        True,
    ),
    (
        "looser maxLength",
        lambda s: _props(s)["name"].update(maxLength=50),
        "/properties/name/maxLength",
        "limit-loosened",
        False,
    ),
    (
        "new minLength",
        lambda s: _props(s)["note"].update(minLength=2),
        "/properties/note/minLength",
        "limit-tightened",
        True,
    ),
    (
        "higher minimum",
        lambda s: _props(s)["age"].update(minimum=18),
        "/properties/age/minimum",
        "limit-tightened",
        True,
    ),
    (
        "minimum dropped",
        lambda s: _props(s)["age"].pop("minimum"),
        "/properties/age/minimum",
        "limit-loosened",
        False,
    ),
    (
        "tighter maxItems in a group",
        lambda s: _props(s)["tags"].update(maxItems=3),
        "/properties/tags/maxItems",
        "limit-tightened",
        True,
    ),
    (
        "items narrowed",
        lambda s: _props(s)["tags"]["items"].update(maxLength=3),
        "/properties/tags/items/maxLength",
        "limit-tightened",
        True,
    ),
    (
        "pattern added",
        lambda s: _props(s)["note"].update(pattern="^[0-9]+$"),
        "/properties/note/pattern",
        "pattern-changed",
        True,
    ),
    (
        "format added",
        lambda s: _props(s)["note"].update(format="cn-mobile"),
        "/properties/note/format",
        "format-changed",
        True,
    ),
    (
        "now read-only",
        lambda s: _props(s)["note"].update(readOnly=True),
        "/properties/note/readOnly",
        "read-only-added",
        True,
    ),
    (
        "material format dropped",
        lambda s: _props(s)["doc"]["x-material"].update(formats=["pdf"]),
        "/properties/doc/x-material",
        "material-tightened",
        True,
    ),
    (
        "material allows more",
        lambda s: _props(s)["doc"]["x-material"].update(max_bytes=5000),
        "/properties/doc/x-material",
        "material-loosened",
        False,
    ),
    (
        "title changed",
        lambda s: _props(s)["name"].update(title="申请人姓名"),
        "/properties/name/title",
        "annotation-changed",
        False,
    ),
    (
        "condition added",
        lambda s: s.update({"if": {"required": ["note"]}, "then": {"required": ["age"]}}),
        "/if",
        "conditions-changed",
        True,
    ),
    (
        "closed to extras",
        lambda s: s.update(additionalProperties=False),
        "/additionalProperties",
        "schema-tightened",
        True,
    ),
]


@pytest.mark.parametrize("label, edit, pointer, kind, breaking", CASES, ids=[c[0] for c in CASES])
def test_changes_are_found_and_flagged(label, edit, pointer, kind, breaking):
    changes = diff_schemas(BASE, _changed(edit))
    assert (pointer, kind, breaking) in [(c.pointer, c.kind, c.breaking) for c in changes]
    assert has_breaking(changes) is breaking


def test_identical_schemas_have_no_changes():
    assert diff_schemas(BASE, copy.deepcopy(BASE)) == []


def test_changes_describe_themselves_in_both_languages():
    [change] = diff_schemas(BASE, _changed(lambda s: _props(s)["kind"].update(enum=["a"])))
    assert (change.old, change.new) == ("b", None)
    assert change.describe() == "不兼容：删除可选值 (/properties/kind/enum)"
    assert change.describe("en") == "BREAKING enum value removed (/properties/kind/enum)"
    assert change.to_dict()["breaking"] is True


def test_removing_a_format_loosens():
    with_format = _changed(lambda s: _props(s)["note"].update(format="email"))
    [change] = diff_schemas(with_format, BASE)
    assert (change.kind, change.breaking) == ("format-removed", False)
