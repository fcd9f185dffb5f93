"""A "one thing" (一件事一次办): several items applied for with one merged form, run as one process.

The bundle of a one-thing holds each part item's own application form. At
import two forms are generated from them (and published with the rest):

* the **application form** (``item.application_form``): :func:`forms.merge.merge_forms`
  over the part forms, keyed by part key: shared ``x-semantic`` fields are asked
  once (``applicant.id_number``), the others are ``<part key>.<field>``. This is
  what the applicant fills in.
* the **case form** (``one_thing.case_form``), the process's start form: the data
  the case runs on, ``{"applicant": <account>, <part key>: <that part's data>, ...}``,
  each part checked against its own form (embedded under ``$defs``).

:func:`case_data` turns a merged submission into case data: it checks the
submission against the merged form (every problem at once, 一次性告知) and splits it.
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy.orm import Session

from forms import walk
from forms.errors import FormMergeError
from forms.merge import MergedForm, merge_forms, split_submission
from forms.pointer import escape
from forms.store import get_form
from forms.validation import check_submission

from .item_errors import Problem
from .item_models import ServiceItem

APPLICANT_FIELD = "applicant"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def generated_forms(item: ServiceItem, forms: dict[str, dict[str, Any]]) -> tuple[dict[str, dict], list[Problem]]:
    """The merged application form and the case form of a one-thing, or the problems found."""
    missing = [
        Problem("one-thing-form-missing", f"part {part.key!r} names form {part.form!r}, which is not in forms/",
                file="item.json", pointer=f"/one_thing/parts/{i}/form")
        for i, part in enumerate(item.parts) if part.form not in forms
    ]
    if missing:
        return {}, missing
    try:
        merged = merge(item, {part.form: forms[part.form]["schema"] for part in item.parts})
    except FormMergeError as err:
        by_key = {part.key: part.form for part in item.parts}
        return {}, [
            Problem("one-thing-merge", p.message, file=_merge_file(p.document, by_key), pointer=p.pointer)
            for p in err.problems
        ]
    return {
        item.application_form: {"schema": merged.schema, "ui_schema": merged.ui_schema},
        item.case_form: {"schema": case_schema(item, {p.key: forms[p.form]["schema"] for p in item.parts}),
                         "ui_schema": None},
    }, []


def _merge_file(document: str, by_key: dict[str, str]) -> str:
    if document.startswith("item:") and document[5:] in by_key:
        return f"forms/{by_key[document[5:]]}.json"
    return f"{document} of the merged form"


def merge(item: ServiceItem, schemas_by_form: dict[str, dict]) -> MergedForm:
    """The merged application form, its parts in item order, named by part key."""
    return merge_forms({part.key: schemas_by_form[part.form] for part in item.parts})


def case_schema(item: ServiceItem, schemas_by_key: dict[str, dict]) -> dict[str, Any]:
    """The start form of the one-thing process: the applicant's account and each part's data."""
    defs = {key: _embedded(schema, key) for key, schema in schemas_by_key.items()}
    properties: dict[str, Any] = {
        APPLICANT_FIELD: {"type": "string", "title": "申请人账号", "minLength": 1, "maxLength": 64},
    }
    for part in item.parts:
        properties[part.key] = {"$ref": f"#/$defs/{escape(part.key)}", "title": part.name}
    return {
        "$schema": DRAFT,
        "type": "object",
        "title": f"{item.name}(办件数据)",
        "required": [APPLICANT_FIELD, *(part.key for part in item.parts)],
        "properties": properties,
        "$defs": defs,
    }


def _embedded(schema: dict, key: str) -> dict:
    """A part's schema placed under ``$defs/<key>``, its local references following it there."""
    copied = {k: v for k, v in copy.deepcopy(schema).items() if k not in ("$schema", "$id")}
    prefix = f"#/$defs/{escape(key)}"
    for node in walk.iter_subschemas(copied):
        ref = node.schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            node.schema["$ref"] = prefix + ref[1:]
    return copied


def case_data(session: Session, item: ServiceItem, form_versions: dict[str, int], submission: Any, *,
              applicant: str, locale: str = "zh-CN") -> dict[str, Any]:
    """Case data from a merged application: checked against the merged form, split per part.

    Args:
        session: to read the part forms at the versions the item version pinned.
        item: a one-thing item.
        form_versions: the item version's pinned form versions.
        submission: what the applicant entered in the merged form.
        applicant: the applicant's account (who corrects, who is told the result).

    Raises:
        FormDataError: every problem with the submission, located in the merged form.
    """
    published = get_form(session, item.application_form, form_versions.get(item.application_form))
    check_submission(published.schema, submission, locale, form_key=item.application_form)
    return {APPLICANT_FIELD: applicant, **split_submission(_merged(session, item, form_versions), submission, locale)}


# Merged forms by (item, each part's pinned form version): published versions never change,
# and merging re-checks every part schema (~100 ms for a five-part item), so an item's
# applications share one merge per process. Bounded; unpinned (latest) versions are not cached.
_MERGED: dict[tuple, MergedForm] = {}
_MERGED_MAX = 256


def _merged(session: Session, item: ServiceItem, form_versions: dict[str, int]) -> MergedForm:
    key = (item.code, tuple((part.key, part.form, form_versions.get(part.form)) for part in item.parts))
    found = _MERGED.get(key)
    if found is None:
        schemas = {part.form: get_form(session, part.form, form_versions.get(part.form)).schema
                   for part in item.parts}
        found = merge(item, schemas)
        if all(version is not None for *_, version in key[1]):
            if len(_MERGED) >= _MERGED_MAX:
                _MERGED.clear()
            _MERGED[key] = found
    return found
