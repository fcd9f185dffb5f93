"""Validation reports every problem at once, located, with limits and a compiled cache."""

from __future__ import annotations

import pytest

from forms.errors import FormDataError, FormSchemaError
from forms.validation import check_submission, compile_form, validate_submission

PDF_REF = {
    "source": "upload",
    "sha256": "a" * 64,
    "size": 2048,
    "format": "pdf",
    "media_type": "application/pdf",
    "name": "章程.pdf",
}


def _application(resident_id, make_uscc) -> dict:
    return {
        "company_name": "苏州市姑苏区示例科技有限公司",
        "company_address": "苏州市姑苏区人民路100号",
        "postcode": "215000",
        "registered_capital": 100,
        "business_scope": "软件开发；信息技术咨询服务",
        "start_date": "2024-06-01",
        "applicant_name": "张三",
        "applicant_id": resident_id("320508", "20000101", "001"),
        "applicant_mobile": "13800138000",
        "shareholders": [
            {
                "name": "张三",
                "kind": "person",
                "id_number": resident_id("320508", "20000101", "001"),
                "share": 60,
            },
            {"name": "示例集团有限公司", "kind": "company", "id_number": make_uscc(), "share": 40},
        ],
        "address_type": "owned",
        "articles": PDF_REF,
        "property_certificate": {
            "source": "licence",
            "licence_type": "LIC-REAL-ESTATE",
            "licence_number": "苏(2020)苏州市不动产权第0001号",
        },
    }


def test_a_correct_application_has_no_problems(load_form, resident_id, make_uscc):
    schema = load_form("company_registration.json")
    assert validate_submission(schema, _application(resident_id, make_uscc)) == []


def test_every_problem_is_reported_at_once_with_its_pointer(load_form, resident_id, make_uscc):
    data = _application(resident_id, make_uscc)
    good_id = data["applicant_id"]
    data.update(
        company_name="苏州",  # too short
        postcode="21500",
        registered_capital=0,
        applicant_name="Zhang San",
        applicant_id=good_id[:-1] + ("0" if good_id[-1] != "0" else "1"),
        applicant_mobile="1380013800",
        website="www.example.cn",
        start_date="2024-02-30",
        agent_name="李四",
        approved=True,
    )
    del data["business_scope"]
    data["shareholders"][0]["share"] = 120
    data["shareholders"][1]["id_number"] = "91320505MA1Q2W3E40"
    del data["shareholders"][1]["name"]
    errors = validate_submission(load_form("company_registration.json"), data)
    assert [(e.pointer, e.code) for e in errors] == [
        ("/agent_id", "dependentRequired"),
        ("/applicant_id", "format"),
        ("/applicant_mobile", "format"),
        ("/applicant_name", "pattern"),
        ("/approved", "unevaluatedProperties"),
        ("/business_scope", "required"),
        ("/company_name", "minLength"),
        ("/postcode", "format"),
        ("/power_of_attorney", "dependentRequired"),
        ("/registered_capital", "exclusiveMinimum"),
        ("/shareholders/0/share", "maximum"),
        ("/shareholders/1/id_number", "format"),
        ("/shareholders/1/name", "required"),
        ("/start_date", "format"),
        ("/website", "format"),
    ]
    messages = {e.pointer: e.message for e in errors}
    assert (
        messages["/applicant_id"]
        == "「法定代表人身份证号」不是有效的居民身份证号码（校验码不正确）"
    )
    assert messages["/shareholders/1/name"] == "「股东」第2项的「股东名称」为必填项"
    assert messages["/approved"] == "「approved」不是本表单的字段，不能提交"
    english = {
        e.pointer: e.message
        for e in validate_submission(load_form("company_registration.json"), data, "en")
    }
    assert (
        english["/applicant_id"]
        == "“ID number” is not a valid resident ID number (the check character is wrong)"
    )
    assert (
        english["/shareholders/0/share"] == "“Shareholders” #1, “出资比例（%）” must be at most 100"
    )


def test_conditional_sections_follow_the_answer(load_form, resident_id, make_uscc):
    schema = load_form("company_registration.json")
    data = _application(resident_id, make_uscc)
    data["address_type"] = "leased"
    errors = validate_submission(schema, data)
    assert [(e.pointer, e.code) for e in errors] == [
        ("/lease_contract", "required"),
        ("/property_certificate", "unevaluatedProperties"),  # belongs to the section not chosen
    ]
    del data["property_certificate"]
    data["lease_contract"] = [PDF_REF, dict(PDF_REF, sha256="b" * 64)]
    assert validate_submission(schema, data) == []


def test_repeating_groups_check_each_entry(load_form, resident_id, make_uscc):
    schema = load_form("company_registration.json")
    data = _application(resident_id, make_uscc)
    data["shareholders"].append(
        {"name": "王五", "kind": "person", "id_number": make_uscc(), "share": 1, "note": "x"}
    )
    data["shareholders"][0]["kind"] = "company"  # a resident ID is not a credit code
    errors = validate_submission(schema, data)
    assert [(e.pointer, e.code) for e in errors] == [
        ("/shareholders/0/id_number", "format"),
        ("/shareholders/2/id_number", "format"),
        ("/shareholders/2/note", "unevaluatedProperties"),
    ]
    data["shareholders"] = []
    assert [(e.pointer, e.code) for e in validate_submission(schema, data)] == [
        ("/shareholders", "minItems")
    ]


def test_check_submission_raises_the_whole_notice(load_form):
    with pytest.raises(FormDataError) as caught:
        check_submission(
            load_form("tax_registration.json"), {"taxpayer_type": "general"}, case_id="C-1"
        )
    error = caught.value
    assert {e.pointer for e in error.errors} == {
        "/company_name",
        "/applicant_id",
        "/accountant_name",
        "/accountant_mobile",
    }
    as_dict = error.to_dict()
    assert as_dict["code"] == "form-data-invalid" and as_dict["case_id"] == "C-1"
    assert len(as_dict["errors"]) == 4


def test_deeply_nested_data_is_refused_cleanly():
    schema = {"type": "object", "properties": {"a": {}}}
    deep: list = []
    for _ in range(10_000):
        deep = [deep]
    [error] = validate_submission(schema, {"a": deep})
    assert error.code == "maxDepth"
    assert error.message == "提交的数据嵌套超过 32 层"


@pytest.mark.parametrize(
    "data, what",
    [
        ({"a": "x" * 100_001}, "string"),
        ({"a": list(range(25_000))}, "values"),
        ({"a": ["y" * 90_000] * 30}, "characters"),
    ],
)
def test_oversized_data_is_refused(data, what):
    [error] = validate_submission({"type": "object", "properties": {"a": {}}}, data, "en")
    assert error.code == "maxSize"
    assert what in error.message


def test_a_broken_schema_is_an_authoring_error_never_a_data_error():
    with pytest.raises(FormSchemaError) as caught:
        validate_submission({"type": "object", "properties": {"a": {"type": "strnig"}}}, {"a": 1})
    assert caught.value.problems[0].pointer == "/properties/a/type"


def test_validators_are_compiled_once_per_content(load_form):
    first = compile_form(load_form("tax_registration.json"))
    again = compile_form(load_form("tax_registration.json"))  # a different dict, same content
    assert again is first
    assert compile_form(first) is first
    assert compile_form(load_form("seal_engraving.json")) is not first


def test_patterns_run_with_json_schema_semantics():
    # ECMA-262 (and RE2) \\d is ASCII only; Python's would accept Arabic-Indic digits.
    schema = {"type": "object", "properties": {"n": {"type": "string", "pattern": "^\\d{3}$"}}}
    assert validate_submission(schema, {"n": "123"}) == []
    assert [e.code for e in validate_submission(schema, {"n": "١٢٣"})] == ["pattern"]


def test_pattern_properties_keys_are_matched_linearly():
    schema = {
        "type": "object",
        "properties": {
            "extra": {
                "type": "object",
                "patternProperties": {"^x-": {"type": "string"}},
                "additionalProperties": False,
            }
        },
    }
    errors = validate_submission(schema, {"extra": {"x-a": 1, "b": "c"}})
    assert [(e.pointer, e.code) for e in errors] == [
        ("/extra/b", "additionalProperties"),
        ("/extra/x-a", "type"),
    ]


def test_recursive_forms_compile_quickly_and_validate():
    # An organisation chart: each unit has sub-units of the same shape.
    schema = {
        "type": "object",
        "properties": {"root": {"$ref": "#/$defs/unit"}},
        "$defs": {
            "unit": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "title": "名称"},
                    "left": {"$ref": "#/$defs/unit"},
                    "right": {"$ref": "#/$defs/unit"},
                },
                "required": ["name"],
            }
        },
    }
    data = {"root": {"name": "总部", "left": {"name": "分部", "right": {"extra": 1}}}}
    errors = validate_submission(schema, data)
    assert [(e.pointer, e.code) for e in errors] == [
        ("/root/left/right/extra", "unevaluatedProperties"),
        ("/root/left/right/name", "required"),
    ]


@pytest.mark.parametrize("broken", [{"type": "object", "enum": [{1, 2}]}, "deep"])
def test_schemas_that_are_not_json_documents_are_authoring_errors(broken):
    if broken == "deep":
        broken = {"type": "object"}
        for _ in range(10_000):
            broken = {"type": "object", "properties": {"x": broken}}
    with pytest.raises(FormSchemaError):
        validate_submission(broken, {})
