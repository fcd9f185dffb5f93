"""Prefill fills what the platform already knows and never overwrites the applicant."""

from __future__ import annotations

from forms.prefill import prefill, semantic_fields

FACTS = {
    "applicant.id_number": "110105194912310021",
    "applicant.name": "张三",
    "applicant.mobile": "13800138000",
    "company.name": "示例科技有限公司",
    "company.uscc": "91320505MA1Q2W3E4Y",
}


def test_fields_are_filled_by_semantic_key(load_form):
    filled = prefill(load_form("company_registration.json"), FACTS)
    assert filled == {
        "company_name": "示例科技有限公司",
        "applicant_name": "张三",
        "applicant_id": "110105194912310021",
        "applicant_mobile": "13800138000",
    }


def test_what_the_applicant_typed_is_kept(load_form):
    typed = {"applicant_mobile": "13900139000"}
    filled = prefill(load_form("company_registration.json"), FACTS, typed)
    assert filled["applicant_mobile"] == "13900139000"
    assert typed == {"applicant_mobile": "13900139000"}


def test_nested_objects_conditional_sections_and_read_only_fields():
    schema = {
        "type": "object",
        "properties": {
            "legal_rep": {
                "type": "object",
                "properties": {
                    "id": {"$ref": "#/$defs/id"},
                    "name": {"type": "string", "x-semantic": "applicant.name"},
                },
            },
            "kind": {"enum": ["person", "company"]},
            "shown": {"type": "string", "readOnly": True, "x-semantic": "company.name"},
            "owners": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"n": {"type": "string", "x-semantic": "applicant.name"}},
                },
            },
        },
        "if": {"properties": {"kind": {"const": "company"}}},
        "then": {"properties": {"uscc": {"type": "string", "x-semantic": "company.uscc"}}},
        "$defs": {
            "id": {
                "type": "string",
                "format": "cn-resident-id",
                "x-semantic": "applicant.id_number",
            }
        },
    }
    assert semantic_fields(schema) == {
        "applicant.id_number": [("legal_rep", "id")],
        "applicant.name": [("legal_rep", "name")],
    }
    assert prefill(schema, FACTS) == {"legal_rep": {"id": "110105194912310021", "name": "张三"}}
