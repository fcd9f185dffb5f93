"""Every keyword has a zh-CN and an en message that names the field by its title."""

from __future__ import annotations

import pytest

from forms.messages import normalize_locale
from forms.validation import validate_submission


def _form(field: dict, **extra) -> dict:
    return {
        "type": "object",
        "properties": {"f": {"title": "字段", "x-titles": {"en": "Field"}, **field}},
        **extra,
    }


# (field schema, value, code, zh message, en message)
CASES = [
    ({"type": "integer"}, "1", "type", "「字段」应为整数", "“Field” must be a whole number"),
    (
        {"type": ["string", "null"]},
        1,
        "type",
        "「字段」应为文本或空值",
        "“Field” must be text or empty",
    ),
    (
        {"enum": ["a", "b"]},
        "c",
        "enum",
        "「字段」的值不在可选范围内（可选：a、b）",
        "“Field” must be one of the listed options (a, b)",
    ),
    ({"const": "yes"}, "no", "const", "「字段」的值必须为 yes", "“Field” must be yes"),
    (
        {"minLength": 3},
        "ab",
        "minLength",
        "「字段」至少需要 3 个字符",
        "“Field” must be at least 3 characters",
    ),
    (
        {"maxLength": 2},
        "abc",
        "maxLength",
        "「字段」不能超过 2 个字符",
        "“Field” must be at most 2 characters",
    ),
    (
        {"pattern": "^[0-9]+$"},
        "12a",
        "pattern",
        "「字段」的格式不正确",
        "“Field” is not in the expected format",
    ),
    (
        {"format": "cn-mobile"},
        "123",
        "format",
        "「字段」不是有效的手机号码",
        "“Field” is not a valid mobile phone number",
    ),
    (
        {"format": "cn-postcode"},
        "1",
        "format",
        "「字段」不是有效的邮政编码",
        "“Field” is not a valid postal code",
    ),
    (
        {"format": "cn-uscc"},
        "1",
        "format",
        "「字段」不是有效的统一社会信用代码（长度应为18位）",
        "“Field” is not a valid unified social credit code (must be 18 characters)",
    ),
    (
        {"format": "email"},
        "x",
        "format",
        "「字段」不是有效的电子邮箱地址",
        "“Field” is not a valid e-mail address",
    ),
    (
        {"format": "uri"},
        "x",
        "format",
        "「字段」不是有效的网址",
        "“Field” is not a valid web address (URI)",
    ),
    ({"minimum": 1}, 0, "minimum", "「字段」不能小于 1", "“Field” must be at least 1"),
    ({"maximum": 1}, 2, "maximum", "「字段」不能大于 1", "“Field” must be at most 1"),
    (
        {"exclusiveMinimum": 0},
        0,
        "exclusiveMinimum",
        "「字段」必须大于 0",
        "“Field” must be greater than 0",
    ),
    (
        {"exclusiveMaximum": 100},
        100,
        "exclusiveMaximum",
        "「字段」必须小于 100",
        "“Field” must be less than 100",
    ),
    (
        {"multipleOf": 5},
        7,
        "multipleOf",
        "「字段」必须是 5 的整数倍",
        "“Field” must be a multiple of 5",
    ),
    ({"minItems": 1}, [], "minItems", "「字段」至少需要 1 项", "“Field” needs at least 1 entries"),
    ({"maxItems": 1}, [1, 2], "maxItems", "「字段」最多 1 项", "“Field” allows at most 1 entries"),
    (
        {"uniqueItems": True},
        [1, 1],
        "uniqueItems",
        "「字段」中有重复的项",
        "“Field” has duplicate entries",
    ),
    (
        {"contains": {"const": 1}},
        [2],
        "contains",
        "「字段」中缺少符合要求的项",
        "“Field” has no entry of the required kind",
    ),
    (
        {"contains": {"const": 1}, "maxContains": 1},
        [1, 1],
        "maxContains",
        "「字段」中符合要求的项最多 1 个",
        "“Field” allows at most 1 entries of the required kind",
    ),
    (
        {"type": "object", "minProperties": 1, "additionalProperties": True},
        {},
        "minProperties",
        "「字段」至少需要填写 1 项",
        "“Field” needs at least 1 entries",
    ),
    (
        {"type": "object", "maxProperties": 1, "additionalProperties": True},
        {"a": 1, "b": 2},
        "maxProperties",
        "「字段」最多填写 1 项",
        "“Field” allows at most 1 entries",
    ),
    (
        {"type": "object", "propertyNames": {"maxLength": 2}, "additionalProperties": True},
        {"abc": 1},
        "propertyNames",
        "「字段」中有不允许的名称",
        "“Field” has a name that is not allowed",
    ),
    (
        {"prefixItems": [{"type": "string"}], "items": False},
        ["a", "b"],
        "items",
        "「字段」的项数超出允许范围",
        "“Field” has more entries than allowed",
    ),
    (
        {"not": {"const": "x"}},
        "x",
        "not",
        "「字段」的值不被允许",
        "“Field” has a value that is not allowed",
    ),
    (
        {"anyOf": [{"type": "integer"}, {"minLength": 5}]},
        "ab",
        "anyOf",
        "「字段」不符合任何一种允许的情况",
        "“Field” does not match any allowed option",
    ),
    (
        {"oneOf": [{"minLength": 1}, {"maxLength": 5}]},
        "ab",
        "oneOf",
        "「字段」同时符合多种情况，无法确定",
        "“Field” matches more than one option",
    ),
    (
        {"readOnly": True},
        "x",
        "readOnly",
        "「字段」为只读，不能修改",
        "“Field” is read-only and cannot be changed",
    ),
]


@pytest.mark.parametrize(
    "field, value, code, zh, en", CASES, ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)]
)
def test_each_keyword_has_a_message_in_both_languages(field, value, code, zh, en):
    schema = _form(field)
    [error] = validate_submission(schema, {"f": value})
    assert error.code == code
    assert error.message == zh
    [english] = validate_submission(schema, {"f": value}, locale="en")
    assert english.message == en
    assert english.pointer == error.pointer


def test_required_points_at_the_missing_field_not_its_parent():
    schema = {
        "type": "object",
        "properties": {
            "applicant": {
                "type": "object",
                "title": "申请人",
                "properties": {
                    "name": {"type": "string", "title": "姓名"},
                    "id": {"type": "string", "title": "身份证号"},
                },
                "required": ["name", "id"],
            }
        },
        "required": ["applicant"],
    }
    errors = validate_submission(schema, {"applicant": {}})
    assert [(e.pointer, e.code, e.message) for e in errors] == [
        ("/applicant/id", "required", "「身份证号」为必填项"),
        ("/applicant/name", "required", "「姓名」为必填项"),
    ]


def test_dependent_required_names_both_fields():
    schema = {
        "type": "object",
        "properties": {
            "agent": {"type": "string", "title": "代理人"},
            "agent_id": {"type": "string", "title": "代理人证件号"},
        },
        "dependentRequired": {"agent": ["agent_id"]},
    }
    [error] = validate_submission(schema, {"agent": "王五"})
    assert (error.pointer, error.code) == ("/agent_id", "dependentRequired")
    assert error.message == "填写了「代理人」时，「代理人证件号」为必填项"
    [english] = validate_submission(schema, {"agent": "王五"}, locale="en")
    assert english.message == "“代理人证件号” is required when “代理人” is given"


def test_fields_without_title_are_named_by_their_key():
    schema = {"type": "object", "properties": {"remark": {"type": "string", "maxLength": 1}}}
    [error] = validate_submission(schema, {"remark": "ab"}, locale="en")
    assert error.message == "“remark” must be at most 1 characters"


def test_a_false_schema_forbids_the_field():
    schema = {"type": "object", "properties": {"legacy": False}}
    [error] = validate_submission(schema, {"legacy": 1})
    assert (error.code, error.message) == ("false", "「legacy」不允许填写")


def test_the_title_next_to_a_ref_wins_over_the_definitions_title():
    schema = {
        "type": "object",
        "properties": {"holder_id": {"$ref": "#/$defs/id", "title": "持证人身份证号"}},
        "$defs": {"id": {"type": "string", "title": "身份证号", "format": "cn-resident-id"}},
    }
    [error] = validate_submission(schema, {"holder_id": "1"})
    assert error.message.startswith("「持证人身份证号」")


def test_long_enums_are_not_listed():
    schema = _form({"enum": [str(i) for i in range(20)]})
    [error] = validate_submission(schema, {"f": "x"})
    assert error.message == "「字段」的值不在可选范围内"


@pytest.mark.parametrize(
    "given, expected",
    [
        ("zh-CN", "zh-CN"),
        ("zh", "zh-CN"),
        ("en", "en"),
        ("en-US", "en"),
        ("fr", "zh-CN"),
        (None, "zh-CN"),
    ],
)
def test_locales_default_to_chinese(given, expected):
    assert normalize_locale(given) == expected
