"""Which form fields hold personal identifiers: marked ones, and ID/mobile numbers and persons' names by default."""

from __future__ import annotations

import pytest

from forms.errors import FormSchemaError
from forms.personal import identifier_in_text, personal_fields
from forms.schema_check import check_schema


def test_the_example_forms_mark_names_id_and_mobile_numbers_not_companies(load_form):
    # agent_id is an ID number by its format (through $ref); agent_name says nothing of what it is
    assert personal_fields(load_form("company_registration.json")) == {
        "applicant_name", "applicant_id", "applicant_mobile", "agent_id"}
    assert personal_fields(load_form("seal_engraving.json")) == {"jbr_xm", "jbr_sfzh"}


def test_a_field_may_opt_in_or_out_and_nested_and_array_fields_count_by_name():
    schema = {"type": "object", "properties": {
        "guardian": {"type": "string", "x-personal": True},
        "office_phone": {"type": "string", "format": "cn-mobile", "x-personal": False},
        "members": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"$ref": "#/$defs/rid"}, "role": {"type": "string"}}}},
        "phones": {"type": "array", "items": {"type": "string", "format": "cn-mobile"}},
    }, "$defs": {"rid": {"type": "string", "format": "cn-resident-id"}}}
    assert personal_fields(schema) == {"guardian", "id", "phones"}


def test_x_personal_must_be_true_or_false():
    schema = {"type": "object", "properties": {"a": {"type": "string", "x-personal": "yes"}}}
    with pytest.raises(FormSchemaError) as raised:
        check_schema(schema)
    assert [p.pointer for p in raised.value.problems] == ["/properties/a/x-personal"]


@pytest.mark.parametrize("text, found", [
    ("340503195608120025", True), ("申请人身份证 34050319560812002X。", True), ("tel:13800138000", True),
    ("138001380001", False), ("2026-10-11", False), ("", False), ("320500-20261011-0001", False),
])
def test_identifiers_are_found_in_any_text(text, found):
    assert identifier_in_text(text) is found
