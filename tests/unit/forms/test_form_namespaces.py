"""A task's data lives in its own namespace; unknown fields are refused at every level."""

from __future__ import annotations

import copy

import pytest

from forms.errors import FormDataError, FormError
from forms.namespaces import (
    namespace_for,
    put_task_data,
    reject_unknown_fields,
    task_data,
    unknown_fields,
)

NESTED = {
    "type": "object",
    "properties": {
        "opinion": {"enum": ["agree", "disagree"]},
        "inspection": {
            "type": "object",
            "properties": {
                "date": {"type": "string", "format": "date"},
                "people": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"name": {"type": "string"}}},
                },
            },
        },
    },
}


@pytest.mark.parametrize(
    "task_id, pointer",
    [("Task_Review", "/tasks/Task_Review"), ("审查_1", "/tasks/审查_1"), ("a.b-c", "/tasks/a.b-c")],
)
def test_each_task_has_its_own_namespace(task_id, pointer):
    assert namespace_for(task_id) == pointer


@pytest.mark.parametrize("task_id", ["", "1task", "a/b", "../tasks/Other", "a b", "~0", None])
def test_only_bpmn_ids_name_a_namespace(task_id):
    with pytest.raises(FormError):
        namespace_for(task_id)


def test_unknown_fields_are_found_at_every_level():
    data = {
        "opinion": "agree",
        "approved": True,
        "inspection": {
            "date": "2024-05-01",
            "signed_by": "x",
            "people": [{"name": "王五", "role": "boss"}],
        },
    }
    found = [(e.pointer, e.code) for e in unknown_fields(NESTED, data)]
    assert found == [
        ("/approved", "additionalProperties"),
        ("/inspection/people/0/role", "additionalProperties"),
        ("/inspection/signed_by", "additionalProperties"),
    ]
    with pytest.raises(FormDataError) as caught:
        reject_unknown_fields(NESTED, data, task="Task_Review")
    assert len(caught.value.errors) == 3 and caught.value.context == {"task": "Task_Review"}
    reject_unknown_fields(NESTED, {"opinion": "agree"})


def test_a_task_writes_only_its_own_namespace(load_form):
    schema = load_form("dept_opinion.json")
    case = {
        "application": {"company_name": "示例公司", "registered_capital": 100},
        "tasks": {"Task_Accept": {"accepted": True}},
    }
    before = copy.deepcopy(case)
    updated = put_task_data(
        case, "Task_Review", schema, {"opinion": "agree", "reviewed_on": "2024-05-02"}
    )
    assert updated["tasks"]["Task_Review"] == {"opinion": "agree", "reviewed_on": "2024-05-02"}
    assert updated["tasks"]["Task_Accept"] == {"accepted": True}
    assert updated["application"] == before["application"]
    assert case == before  # the input is not changed
    assert task_data(updated, "Task_Review") == {"opinion": "agree", "reviewed_on": "2024-05-02"}
    assert task_data(updated, "Task_Other") is None


def test_a_reviewer_cannot_approve_someone_elses_step(load_form):
    schema = load_form("dept_opinion.json")
    case = {"tasks": {"Task_Accept": {"accepted": False}}}
    sneaky = {
        "opinion": "agree",
        "reviewed_on": "2024-05-02",
        "approved": True,
        "Task_Accept": {"accepted": True},
    }
    with pytest.raises(FormDataError) as caught:
        put_task_data(case, "Task_Review", schema, sneaky)
    assert [(e.pointer, e.code) for e in caught.value.errors] == [
        ("/Task_Accept", "unevaluatedProperties"),
        ("/approved", "unevaluatedProperties"),
    ]
    assert caught.value.context == {"task": "Task_Review"}
    assert case == {"tasks": {"Task_Accept": {"accepted": False}}}
