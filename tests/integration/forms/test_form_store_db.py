"""Publishing form versions: checked, idempotent, immutable, and pinned by running cases."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from forms.errors import FormNotFound, FormSchemaError, FormVersionConflict, FormVersionImmutable
from forms.models import FormVersion
from forms.store import get_form, list_versions, publish_form
from forms.validation import compile_form, validate_submission

KEY = "SW-003/application"


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(FormVersion))


def _with_new_required_field(schema: dict) -> dict:
    newer = copy.deepcopy(schema)
    newer["properties"]["legal_rep_mobile"] = {
        "title": "法定代表人手机",
        "type": "string",
        "format": "cn-mobile",
    }
    newer["required"].append("legal_rep_mobile")
    newer["properties"]["taxpayer_type"]["enum"] = ["general"]
    return newer


def test_the_first_publish_is_version_one(session, load_form):
    version, changes = publish_form(
        session, KEY, load_form("tax_registration.json"), note="首次发布"
    )
    assert (version.form_key, version.version, changes) == (KEY, 1, [])
    assert len(version.content_hash) == 64 and version.created_at is not None
    assert _count(session) == 1


def test_publishing_the_same_content_again_changes_nothing(session, load_form):
    first, _ = publish_form(session, KEY, load_form("tax_registration.json"))
    again, changes = publish_form(session, KEY, load_form("tax_registration.json"), note="重复发布")
    assert again is first and changes == []
    assert _count(session) == 1


def test_new_content_is_the_next_version_with_its_diff(session, load_form):
    publish_form(session, KEY, load_form("tax_registration.json"))
    second, changes = publish_form(
        session,
        KEY,
        _with_new_required_field(load_form("tax_registration.json")),
        note="增加手机号",
    )
    assert second.version == 2
    assert [(c.pointer, c.kind, c.breaking) for c in changes] == [
        ("/properties/legal_rep_mobile", "required-field-added", True),
        ("/properties/taxpayer_type/enum", "enum-value-removed", True),
    ]
    ui_only, changes = publish_form(
        session, KEY, second.schema, {"ui:order": ["company_name", "*"]}
    )
    assert ui_only.version == 3 and changes == []


def test_a_broken_schema_is_refused_and_nothing_is_stored(session):
    with pytest.raises(FormSchemaError) as caught:
        publish_form(
            session,
            KEY,
            {"type": "object", "properties": {"a": {"type": "string", "pattern": "(a+)+$"}}},
        )
    assert caught.value.context["form_key"] == KEY
    assert caught.value.problems[0].pointer == "/properties/a/pattern"
    with pytest.raises(FormSchemaError):
        publish_form(session, KEY, {"type": "object"}, {"nope": {}})
    assert _count(session) == 0


def test_versions_are_read_back_latest_or_pinned(session_factory, load_form):
    with session_factory() as session:
        publish_form(session, KEY, load_form("tax_registration.json"))
        publish_form(session, KEY, _with_new_required_field(load_form("tax_registration.json")))
        publish_form(session, "GA-002/application", load_form("seal_engraving.json"))
        session.commit()
    with session_factory() as session:
        assert get_form(session, KEY).version == 2
        assert get_form(session, KEY, 1).schema == load_form("tax_registration.json")
        assert [v.version for v in list_versions(session, KEY)] == [1, 2]
        assert list_versions(session, "unknown") == []
        with pytest.raises(FormNotFound) as caught:
            get_form(session, KEY, 3)
        assert caught.value.context == {"form_key": KEY, "version": 3}
        with pytest.raises(FormNotFound):
            get_form(session, "unknown")


def test_a_case_keeps_the_form_version_it_started_with(session_factory, load_form, resident_id):
    with session_factory() as session:
        v1, _ = publish_form(session, KEY, load_form("tax_registration.json"))
        session.commit()
    pinned = (KEY, v1.version)  # what the case stores when it starts
    data = {
        "company_name": "示例科技有限公司",
        "applicant_id": resident_id(),
        "taxpayer_type": "small",
    }
    with session_factory() as session:
        publish_form(session, KEY, _with_new_required_field(load_form("tax_registration.json")))
        session.commit()
    with session_factory() as session:
        started_with = get_form(session, *pinned)
        latest = get_form(session, KEY)
        assert validate_submission(started_with.schema, data) == []
        assert [(e.pointer, e.code) for e in validate_submission(latest.schema, data)] == [
            ("/legal_rep_mobile", "required"),
            ("/taxpayer_type", "enum"),
        ]
        assert compile_form(started_with.schema) is not compile_form(latest.schema)


def test_published_versions_are_immutable(session_factory, load_form):
    with session_factory() as session:
        version, _ = publish_form(session, KEY, load_form("tax_registration.json"))
        session.commit()
        version.note = "悄悄修改"
        with pytest.raises(FormVersionImmutable):
            session.commit()
        session.rollback()
    with session_factory() as session:
        assert get_form(session, KEY).note is None


def test_a_concurrent_publish_is_a_conflict_not_a_silent_overwrite(session, load_form):
    publish_form(session, KEY, load_form("tax_registration.json"))
    rival = FormVersion(form_key=KEY, version=2, schema={"type": "object"}, content_hash="0" * 64)
    with session.no_autoflush:  # the rival's row is not visible yet, as in another transaction
        session.add(rival)
        with pytest.raises(FormVersionConflict) as caught:
            publish_form(session, KEY, _with_new_required_field(load_form("tax_registration.json")))
    assert caught.value.context == {"form_key": KEY, "version": 2}


def test_json_survives_the_round_trip(session_factory, load_form):
    schema, ui = load_form("dept_opinion.json"), load_form("dept_opinion.ui.json")
    with session_factory() as session:
        publish_form(session, "Task_Review", schema, ui)
        session.commit()
    with session_factory() as session:
        stored = get_form(session, "Task_Review")
        assert (stored.schema, stored.ui_schema) == (schema, ui)
        assert list(stored.schema["properties"]) == list(schema["properties"])  # field order kept
