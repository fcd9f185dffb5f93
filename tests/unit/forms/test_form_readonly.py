"""Later tasks show earlier data read-only; it cannot be submitted back."""

from __future__ import annotations

from forms.readonly import read_only_values, strip_read_only
from forms.validation import validate_submission

CASE = {"application": {"company_name": "示例科技有限公司", "registered_capital": 100}, "tasks": {}}


def test_read_only_fields_show_the_case_data(load_form):
    assert read_only_values(load_form("dept_opinion.json"), CASE) == {
        "company_name": "示例科技有限公司",
        "capital": 100,
    }
    assert read_only_values(load_form("dept_opinion.json"), {"application": {}}) == {}


def test_read_only_fields_cannot_be_submitted(load_form):
    schema = load_form("dept_opinion.json")
    data = {
        "company_name": "改过的公司",
        "opinion": "disagree",
        "reason": "材料不齐全，缺少章程",
        "reviewed_on": "2024-05-02",
    }
    errors = validate_submission(schema, data)
    assert [(e.pointer, e.code, e.message) for e in errors] == [
        ("/company_name", "readOnly", "「企业名称」为只读，不能修改")
    ]
    assert validate_submission(schema, strip_read_only(schema, data)) == []
    assert "company_name" in data  # strip_read_only copies


def test_task_form_conditions_apply(load_form):
    errors = validate_submission(
        load_form("dept_opinion.json"), {"opinion": "disagree", "reviewed_on": "2024-05-02"}, "en"
    )
    assert [(e.pointer, e.message) for e in errors] == [("/reason", "“Reason” is required")]
