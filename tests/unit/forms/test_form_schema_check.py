"""A schema is checked when saved; every authoring problem is listed with its pointer."""

from __future__ import annotations

import time

import pytest

from forms.errors import FormSchemaError
from forms.regex_safety import compile_linear, pattern_problems
from forms.schema_check import check_schema, schema_problems


def _with_pattern(pattern: str) -> dict:
    return {"type": "object", "properties": {"f": {"type": "string", "pattern": pattern}}}


def _pointers(schema, ui_schema=None) -> list[tuple[str, str]]:
    return [(p.document, p.pointer) for p in schema_problems(schema, ui_schema)]


UNSAFE = [
    "(a+)+$",
    "^(a+)+$",
    "(a|a)*",
    "(a|aa)+$",
    "(.*)*",
    "(.*a){20}",
    "(a?)*b",
    "(\\w+\\s?)*$",
    "^(\\d+\\.?)+$",
    "(\\w|\\d)+$",
    "^([a-z0-9]+)*@",
    "(x+x+)+y",
    "(a{1,3})+$",
]
SAFE = [
    "^[\\u4e00-\\u9fa5·]{2,20}$",
    "^[一-龥]{2,20}$",
    "^1[3-9]\\d{9}$",
    "^\\d{6}$",
    "^[0-9A-HJ-NPQRTUWXY]{2}\\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    "^[a-z]+(\\.[a-z]+)*@[a-z]+(\\.[a-z]+)+$",
    "^(\\d{3}-)+\\d+$",
    "^(?:(?:\\+|00)86)?1\\d{10}$",
    "^(foo|bar)+$",
    "^[A-Z][a-z]+( [A-Z][a-z]+)*$",
]


@pytest.mark.parametrize("pattern", UNSAFE)
def test_catastrophic_patterns_are_refused(pattern):
    problems = schema_problems(_with_pattern(pattern))
    assert problems
    assert {(p.pointer, p.message.startswith("unsafe pattern")) for p in problems} == {
        ("/properties/f/pattern", True)
    }


@pytest.mark.parametrize("pattern", SAFE)
def test_ordinary_patterns_are_accepted(pattern):
    assert pattern_problems(pattern) == ()
    assert schema_problems(_with_pattern(pattern)) == []


@pytest.mark.parametrize(
    "pattern, reason",
    [
        ("(a)\\1", "linear-time"),
        ("(?=a)b", "linear-time"),
        ("(?<!a)b", "linear-time"),
        ("([a-", "not a valid"),
        ("a" * 1001, "longer than"),
    ],
)
def test_patterns_the_linear_engine_cannot_run_are_refused(pattern, reason):
    [problem] = pattern_problems(pattern)
    assert reason in problem


def test_pattern_property_names_are_checked_too():
    schema = {"type": "object", "patternProperties": {"(a+)+$": {"type": "string"}}}
    assert _pointers(schema) == [("schema", "/patternProperties/(a+)+$")]


def test_the_server_matches_in_linear_time_even_where_python_would_not():
    # (a|aa)*c: refused for browsers; under RE2 it still runs in linear time.
    subject = "a" * 50_000 + "b"
    started = time.perf_counter()
    assert compile_linear("^(a|aa)*c$").search(subject) is None
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    "schema, pointer",
    [
        (
            {"type": "object", "properties": {"a": {"$ref": "https://example.cn/s.json"}}},
            "/properties/a/$ref",
        ),
        ({"type": "object", "properties": {"a": {"$ref": "other.json#/x"}}}, "/properties/a/$ref"),
        (
            {"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}},
            "/properties/a/$ref",
        ),
        (
            {"type": "object", "properties": {"a": {"$dynamicRef": "#meta"}}},
            "/properties/a/$dynamicRef",
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"$id": "https://example.cn/a", "type": "string"}},
            },
            "/properties/a/$id",
        ),
        ({"type": "object", "properties": {"a": {"type": "strnig"}}}, "/properties/a/type"),
        (
            {"type": "object", "properties": {"a": {"type": "string", "minLength": -1}}},
            "/properties/a/minLength",
        ),
        (
            {"type": "object", "properties": {"a": {"type": "string", "requried": True}}},
            "/properties/a/requried",
        ),
        (
            {"type": "object", "properties": {"a": {"type": "string", "format": "cn-resident_id"}}},
            "/properties/a/format",
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "string", "x-semantic": "Applicant ID"}},
            },
            "/properties/a/x-semantic",
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "string", "x-source": "/application/a"}},
            },
            "/properties/a/x-source",
        ),
        (
            {"type": "object", "properties": {"a": {"type": "string", "x-titles": ["ID"]}}},
            "/properties/a/x-titles",
        ),
        ({"type": "object", "properties": {"a": {"x-unknown": 1}}}, "/properties/a/x-unknown"),
        (
            {"type": "object", "properties": {"a": {"x-material": {"name": "章程"}}}},
            "/properties/a/x-material",
        ),
        (
            {
                "type": "object",
                "properties": {
                    "a": {"type": "string", "x-material": {"code": "M1", "name": "章程"}}
                },
            },
            "/properties/a/type",
        ),
        (
            {
                "type": "object",
                "properties": {
                    "a": {"x-material": {"code": "M1", "name": "章程", "formats": ["exe"]}}
                },
            },
            "/properties/a/x-material/formats/0",
        ),
        (
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]},
            "/required",
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "string", "readOnly": True}},
                "required": ["a"],
            },
            "/required",
        ),
        (  # closed by its author: every submission would be refused for the missing "b"
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"],
             "additionalProperties": False},
            "/required",
        ),
        ({"type": "object", "required": ["b"]}, "/required"),  # closed by the platform
        (
            {"type": "object", "properties": {"p": {"type": "object", "properties": {"a": True},
                                                    "required": ["b"]}}},
            "/properties/p/required",
        ),
        ({"type": "object", "properties": {"a": False}, "required": ["a"]}, "/required"),
        ({"type": "object", "properties": {"a": {"type": "string", "minLength": 5, "maxLength": 2}}},
         "/properties/a/minLength"),
        ({"type": "object", "properties": {"a": {"type": "number", "exclusiveMinimum": 3, "maximum": 3}}},
         "/properties/a"),
        ({"type": "object", "properties": {"a": {"type": "array", "minItems": 3, "maxItems": 1}}},
         "/properties/a/minItems"),
        ({"type": "array"}, "/type"),
        ({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}, "/$schema"),
    ],
)
def test_authoring_problems_are_located(schema, pointer):
    assert pointer in [p.pointer for p in schema_problems(schema)]


@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"],
     "additionalProperties": {"type": "string"}},
    {"type": "object", "patternProperties": {"^b$": {"type": "string"}}, "additionalProperties": False,
     "required": ["b"]},
    {"type": "object", "properties": {"a": {"$ref": "#/$defs/percent%25field"}},
     "$defs": {"percent%field": {"type": "string"}}},
    {"type": "object", "properties": {"a": {"$ref": "#/$defs/%E5%A7%93%E5%90%8D"}},
     "$defs": {"姓名": {"type": "string"}}},
])
def test_schemas_that_can_be_satisfied_are_accepted(schema):
    assert schema_problems(schema) == []


def test_every_problem_is_listed_at_once():
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "pattern": "(a+)+$"},
            "b": {"$ref": "https://example.cn/x"},
            "c": {"type": "string", "format": "nope"},
        },
        "required": ["d"],
    }
    with pytest.raises(FormSchemaError) as caught:
        check_schema(schema, form_key="SCJG-001")
    error = caught.value
    assert [p.pointer for p in error.problems] == [
        "/properties/a/pattern",
        "/properties/b/$ref",
        "/properties/c/format",
        "/required",
    ]
    assert error.to_dict()["form_key"] == "SCJG-001"
    assert "schema:/properties/b/$ref" in str(error)


def test_deep_and_large_schemas_are_refused_without_recursion_error():
    deep: dict = {"type": "object"}
    for _ in range(10_000):
        deep = {"type": "object", "properties": {"x": deep}}
    [problem] = schema_problems(deep)
    assert "too large: depth" in problem.message
    wide = {
        "type": "object",
        "properties": {
            f"f{i}": {"type": "string", "description": "说明" * 20} for i in range(20_000)
        },
    }
    [problem] = schema_problems(wide)
    assert problem.message.startswith("too large")


def test_ui_schema_problems_are_reported_against_the_ui_schema(load_form):
    schema = load_form("dept_opinion.json")
    ui = {
        "ui:order": ["opinion", "opinion", "nope"],
        "ui:groups": [
            {"title": "A", "fields": ["opinion"]},
            {"title": "B", "fields": ["opinion"]},
            {"fields": []},
        ],
        "opinion": {"ui:widget": "slider", "ui:colour": "red", "ui:columns": 9},
        "ghost": {},
    }
    assert _pointers(schema, ui) == [
        ("ui_schema", "/ghost"),
        ("ui_schema", "/opinion/ui:colour"),
        ("ui_schema", "/opinion/ui:columns"),
        ("ui_schema", "/opinion/ui:widget"),
        ("ui_schema", "/ui:groups/1"),
        ("ui_schema", "/ui:groups/2"),
        ("ui_schema", "/ui:order"),
        ("ui_schema", "/ui:order/2"),
    ]
    assert schema_problems(schema, load_form("dept_opinion.ui.json")) == []


@pytest.mark.parametrize(
    "name",
    [
        "company_registration.json",
        "seal_engraving.json",
        "tax_registration.json",
        "dept_opinion.json",
    ],
)
def test_the_fixture_forms_are_valid(load_form, name):
    check_schema(load_form(name))
