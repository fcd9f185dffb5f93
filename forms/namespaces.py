"""Where a task form's data lives in a case, and why a task cannot write elsewhere.

Case data is laid out as::

    {"application": {...the application form...},
     "tasks": {"<task BPMN id>": {...that task's form...}, ...}}

A task's submission is written to ``namespace_for(task_bpmn_id)`` and nowhere
else: the place is derived from the task being completed, never from the data
submitted. Forms are closed (:mod:`forms.closed`), so the submission itself
cannot carry a field its form does not declare, at any level.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from forms import messages
from forms.errors import FieldError, FormDataError, FormError
from forms.pointer import resolve, split
from forms.validation import CompiledForm, check_submission, validate_submission

APPLICATION = "application"
TASKS = "tasks"
UNKNOWN_FIELD_CODES = ("additionalProperties", "unevaluatedProperties")
_BPMN_ID = re.compile(r"[^\W\d][\w.-]*")  # an XML NCName, as BPMN ids are


def namespace_for(task_bpmn_id: str) -> str:
    """The JSON pointer under which a user task's form data is stored, e.g. ``/tasks/Review``.

    Raises:
        FormError: the id is not a BPMN element id (an XML name).
    """
    if not isinstance(task_bpmn_id, str) or not _BPMN_ID.fullmatch(task_bpmn_id):
        raise FormError("not a BPMN element id", task_bpmn_id=repr(task_bpmn_id))
    return f"/{TASKS}/{task_bpmn_id}"


def unknown_fields(
    schema: dict | CompiledForm, data: Any, locale: str = messages.DEFAULT_LOCALE
) -> list[FieldError]:
    """The fields in ``data`` that the form does not declare, at every level."""
    return [e for e in validate_submission(schema, data, locale) if e.code in UNKNOWN_FIELD_CODES]


def reject_unknown_fields(
    schema: dict | CompiledForm, data: Any, locale: str = messages.DEFAULT_LOCALE, **context: Any
) -> None:
    """Raise if ``data`` has any field the form does not declare.

    Raises:
        FormDataError: listing each unknown field at its pointer.
    """
    errors = unknown_fields(schema, data, locale)
    if errors:
        raise FormDataError("submission has fields the form does not declare", errors, **context)


def task_data(case_data: dict, task_bpmn_id: str) -> Any:
    """A task's stored form data, or None if the task has not submitted yet."""
    return resolve(case_data, namespace_for(task_bpmn_id))


def put_task_data(
    case_data: dict,
    task_bpmn_id: str,
    schema: dict | CompiledForm,
    submitted: Any,
    locale: str = messages.DEFAULT_LOCALE,
) -> dict:
    """Validate a task's submission and return new case data with it in the task's namespace.

    ``case_data`` is not changed; every other namespace is carried over untouched.

    Raises:
        FormDataError: the submission is invalid (unknown fields included).
        FormError: the task id is not a BPMN element id.
    """
    _, task_id = split(namespace_for(task_bpmn_id))
    check_submission(schema, submitted, locale, task=task_bpmn_id)
    updated = dict(case_data)
    tasks = dict(updated.get(TASKS) or {})
    tasks[task_id] = copy.deepcopy(submitted)
    updated[TASKS] = tasks
    return updated
