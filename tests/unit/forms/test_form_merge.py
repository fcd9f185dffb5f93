"""One form for several items (一表申请): shared fields asked once, data split back per item."""

from __future__ import annotations

import copy

import pytest

from forms.errors import FormDataError, FormMergeError
from forms.merge import merge_forms, split_submission
from forms.validation import validate_submission

ITEMS = {
    "SCJG-001": "company_registration.json",
    "GA-002": "seal_engraving.json",
    "SW-003": "tax_registration.json",
}


@pytest.fixture
def item_forms(load_form):
    return {code: load_form(name) for code, name in ITEMS.items()}


def _merged_data(resident_id, make_uscc) -> dict:
    person = resident_id("320508", "20000101", "001")
    pdf = {
        "source": "upload",
        "sha256": "a" * 64,
        "size": 10,
        "format": "pdf",
        "media_type": "application/pdf",
        "name": "章程.pdf",
    }
    return {
        "company.name": "苏州市姑苏区示例科技有限公司",
        "applicant.id_number": person,
        "applicant.name": "张三",
        "applicant.mobile": "13800138000",
        "SCJG-001.company_address": "苏州市姑苏区人民路100号",
        "SCJG-001.registered_capital": 100,
        "SCJG-001.business_scope": "软件开发",
        "SCJG-001.shareholders": [
            {"name": "张三", "kind": "person", "id_number": person, "share": 100}
        ],
        "SCJG-001.address_type": "leased",
        "SCJG-001.articles": pdf,
        "SCJG-001.lease_contract": [pdf],
        "GA-002.seal_types": ["公章", "财务专用章"],
        "SW-003.taxpayer_type": "general",
        "SW-003.accountant_name": "李四",
        "SW-003.accountant_mobile": "13900139000",
    }


def test_shared_fields_are_asked_once(item_forms):
    merged = merge_forms(item_forms)
    assert sorted(merged.shared_fields()) == [
        "applicant.id_number",
        "applicant.mobile",
        "applicant.name",
        "company.name",
    ]
    assert merged.fields["company.name"] == (
        ("SCJG-001", "company_name"),
        ("GA-002", "qymc"),
        ("SW-003", "company_name"),
    )
    assert merged.fields["GA-002.seal_types"] == (("GA-002", "seal_types"),)
    properties = merged.schema["properties"]
    # a semantic key that only one item uses stays that item's field
    assert merged.fields["SCJG-001.company_address"] == (("SCJG-001", "company_address"),)
    assert "SCJG-001.company_name" not in properties and "GA-002.qymc" not in properties
    assert {"company.name", "applicant.id_number", "SW-003.taxpayer_type"} <= set(
        merged.schema["required"]
    )
    assert merged.ui_schema["ui:groups"][0] == {
        "title": "共同信息",
        "fields": ["company.name", "applicant.name", "applicant.id_number", "applicant.mobile"],
    }
    assert [g["title"] for g in merged.ui_schema["ui:groups"][1:]] == [
        "企业设立登记",
        "公章刻制备案",
        "新办纳税人套餐",
    ]


def test_a_shared_field_must_satisfy_every_item(item_forms):
    merged = merge_forms(item_forms)
    name = merged.schema["properties"]["company.name"]
    assert len(name["allOf"]) == 3  # maxLength 50, 60 and 50: all apply
    errors = validate_submission(merged.schema, {"company.name": "公" * 55}, "zh-CN")
    assert ("/company.name", "maxLength") in [(e.pointer, e.code) for e in errors]


def test_merged_data_validates_and_splits_back_into_valid_item_data(
    item_forms, resident_id, make_uscc
):
    merged = merge_forms(item_forms)
    data = _merged_data(resident_id, make_uscc)
    assert validate_submission(merged.schema, data) == []
    parts = split_submission(merged, data)
    assert set(parts) == set(ITEMS)
    assert parts["GA-002"] == {
        "qymc": data["company.name"],
        "jbr_xm": "张三",
        "jbr_sfzh": data["applicant.id_number"],
        "seal_types": ["公章", "财务专用章"],
    }
    assert parts["SW-003"]["company_name"] == data["company.name"]
    for code, part in parts.items():
        assert validate_submission(item_forms[code], part) == [], code


def test_item_conditions_carry_over_with_renamed_fields(item_forms, resident_id, make_uscc):
    merged = merge_forms(item_forms)
    data = _merged_data(resident_id, make_uscc)
    del data["SW-003.accountant_mobile"]
    del data["SCJG-001.lease_contract"]
    data["SW-003.stray"] = 1
    errors = validate_submission(merged.schema, data)
    assert [(e.pointer, e.code) for e in errors] == [
        ("/SCJG-001.lease_contract", "required"),
        ("/SW-003.accountant_mobile", "required"),
        ("/SW-003.stray", "unevaluatedProperties"),
    ]
    assert errors[1].message == "「财务负责人手机」为必填项"


def test_split_refuses_fields_the_merged_form_does_not_have(item_forms):
    merged = merge_forms(item_forms)
    with pytest.raises(FormDataError) as caught:
        split_submission(merged, {"company.name": "x", "approved": True})
    assert [(e.pointer, e.code) for e in caught.value.errors] == [
        ("/approved", "additionalProperties")
    ]
    with pytest.raises(FormDataError):
        split_submission(merged, ["not", "an", "object"])


def test_conflicting_definitions_are_reported_not_merged(item_forms):
    conflicting = copy.deepcopy(item_forms)
    conflicting["GA-002"]["properties"]["jbr_sfzh"] = {
        "type": "integer",
        "x-semantic": "applicant.id_number",
    }
    conflicting["SW-003"]["properties"]["mobile"]["format"] = "cn-postcode"
    conflicting["NEW-004"] = {
        "type": "object",
        "properties": {"name": {"enum": ["甲公司", "乙公司"], "x-semantic": "company.name"}},
    }
    with pytest.raises(FormMergeError) as caught:
        merge_forms(conflicting)
    found = [(p.document, p.pointer) for p in caught.value.problems]
    assert found == [
        ("item:GA-002", "/properties/jbr_sfzh/format"),
        ("item:GA-002", "/properties/jbr_sfzh/type"),
        ("item:NEW-004", "/properties/name/enum"),
        ("item:NEW-004", "/properties/name/type"),
        ("item:SW-003", "/properties/mobile/format"),
    ]
    assert caught.value.code == "form-merge-conflict"


def test_forms_that_cannot_be_merged_say_why(item_forms):
    odd = copy.deepcopy(item_forms)
    odd["GA-002"]["patternProperties"] = {"^x-": {}}
    odd["SW-003"]["properties"]["invoice_needed"]["x-semantic"] = "company.name"
    with pytest.raises(FormMergeError) as caught:
        merge_forms(odd)
    assert [(p.document, p.pointer) for p in caught.value.problems] == [
        ("item:GA-002", "/patternProperties")
    ]
    del odd["GA-002"]["patternProperties"]
    with pytest.raises(FormMergeError) as caught:
        merge_forms(odd)
    assert [(p.document, p.pointer) for p in caught.value.problems] == [
        ("item:SW-003", "/properties/invoice_needed")
    ]
    with pytest.raises(FormMergeError):
        merge_forms({})
