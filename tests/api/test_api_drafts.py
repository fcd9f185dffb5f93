"""Application drafts kept on the server (GET/PUT/DELETE /drafts/{item_code}).

An applicant's half-filled application is kept as it is (not validated), comes
back on another device, is the applicant's alone, is audited, and disappears when
the application is submitted.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api_kit import audit_rows
from case_api_kit import BUYER_ID, REAL_ESTATE, real_estate_application
from processes.draft_models import ApplicationDraft

HALF = {"transferee_name": "张伟", "floor_area": 118.6}  # most required fields still missing


@pytest.fixture
def applicant(as_demo, clock):
    clock.set(2026, 9, 28, 10)
    return as_demo("applicant")


def drafts_stored(env) -> int:
    with env.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(ApplicationDraft))


def test_a_half_filled_application_is_kept_as_typed_and_comes_back_on_another_login(applicant, as_demo, env):
    body = {"data": HALF, "applicant": {"kind": "person", "id_number": BUYER_ID[:10]}}
    saved = applicant.put(f"/api/v1/drafts/{REAL_ESTATE}", json=body)
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["data"] == HALF and saved.get_json()["saved_at"].startswith("2026-09-28T")

    elsewhere = as_demo("applicant")  # a second session: the phone, then the hall's terminal
    back = elsewhere.get(f"/api/v1/drafts/{REAL_ESTATE}").get_json()
    assert back["data"] == HALF and back["applicant"] == {"kind": "person", "id_number": BUYER_ID[:10]}
    listed = elsewhere.get("/api/v1/drafts").get_json()["items"]
    assert [(d["item_code"], d["item_name"]) for d in listed] == [(REAL_ESTATE, "存量房买卖转移登记")]

    changed = {**HALF, "price": 156.0}
    assert applicant.put(f"/api/v1/drafts/{REAL_ESTATE}", json={"data": changed}).status_code == 200
    assert elsewhere.get(f"/api/v1/drafts/{REAL_ESTATE}").get_json()["data"] == changed
    assert drafts_stored(env) == 1  # saving again replaces
    records = audit_rows(env, action="draft.saved")
    assert [(r.actor, r.object_id, r.result) for r in records] == [("applicant", REAL_ESTATE, "ok")] * 2


def test_another_applicant_never_sees_or_removes_my_draft(applicant, as_demo, env):
    assert applicant.put(f"/api/v1/drafts/{REAL_ESTATE}", json={"data": HALF}).status_code == 200
    company = as_demo("company")
    assert company.get(f"/api/v1/drafts/{REAL_ESTATE}").status_code == 404
    assert company.get("/api/v1/drafts").get_json()["items"] == []
    assert company.delete(f"/api/v1/drafts/{REAL_ESTATE}").status_code == 404
    assert applicant.get(f"/api/v1/drafts/{REAL_ESTATE}").get_json()["data"] == HALF
    refused = audit_rows(env, action="draft.discarded")
    assert [(r.actor, r.result) for r in refused] == [("company", "failed")]
    # Staff without the right to apply have no drafts at all.
    assert as_demo("auditor").get("/api/v1/drafts").status_code == 403


def test_bad_drafts_are_refused_with_the_field_and_nothing_is_stored(applicant, env):
    unknown = applicant.put("/api/v1/drafts/340500-NO-SUCH-001", json={"data": HALF})
    assert unknown.status_code == 404 and unknown.content_type == "application/problem+json"
    huge = applicant.put(f"/api/v1/drafts/{REAL_ESTATE}", json={"data": {"notes": "备" * 100_000}})
    assert huge.status_code == 422
    assert [e["pointer"] for e in huge.get_json()["errors"]] == ["/data"]
    kind = applicant.put(f"/api/v1/drafts/{REAL_ESTATE}", json={"applicant": {"kind": "robot"}})
    assert kind.status_code == 422 and "applicant" in str(kind.get_json()["errors"])
    assert drafts_stored(env) == 0


def test_submitting_the_application_removes_its_draft_and_throwing_it_away_works_once(applicant, env):
    assert applicant.put(f"/api/v1/drafts/{REAL_ESTATE}", json={"data": HALF}).status_code == 200
    opened = applicant.post("/api/v1/cases", json={
        "item_code": REAL_ESTATE, "channel": "online", "data": real_estate_application(),
        "applicant": {"id_number": BUYER_ID, "kind": "person"}})
    assert opened.status_code == 201, opened.get_json()
    assert applicant.get(f"/api/v1/drafts/{REAL_ESTATE}").status_code == 404 and drafts_stored(env) == 0

    assert applicant.put(f"/api/v1/drafts/{REAL_ESTATE}", json={"data": HALF}).status_code == 200
    assert applicant.delete(f"/api/v1/drafts/{REAL_ESTATE}").status_code == 204
    assert applicant.delete(f"/api/v1/drafts/{REAL_ESTATE}").status_code == 404
    assert drafts_stored(env) == 0
    assert [r.result for r in audit_rows(env, action="draft.discarded")] == ["failed", "ok"]  # newest first


def test_a_draft_not_saved_again_for_90_days_is_deleted_by_the_hourly_job(applicant, as_demo, clock, env):
    from datetime import datetime, timedelta, timezone

    from processes import drafts

    assert applicant.put(f"/api/v1/drafts/{REAL_ESTATE}", json={"data": HALF}).status_code == 200  # 2026-09-28
    clock.set(2026, 12, 20, 9)
    company = as_demo("company")
    assert company.put(f"/api/v1/drafts/{REAL_ESTATE}", json={"data": HALF}).status_code == 200
    assert (drafts.PURGE_JOB, 3600) in env.periodic_jobs  # queued by the workers' scheduler tick

    saved = datetime(2026, 9, 28, 10, tzinfo=timezone(timedelta(hours=8)))
    for days, left in ((drafts.KEEP_DAYS - 1, 2), (drafts.KEEP_DAYS + 1, 1)):
        with env.unit_of_work() as uow:
            drafts.purge_stale(uow.session, now=saved + timedelta(days=days))
            uow.commit()
        assert drafts_stored(env) == left
    assert applicant.get(f"/api/v1/drafts/{REAL_ESTATE}").status_code == 404
    assert company.get(f"/api/v1/drafts/{REAL_ESTATE}").get_json()["data"] == HALF
