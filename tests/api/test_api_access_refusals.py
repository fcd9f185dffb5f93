"""Refusals not covered in test_api_access.py: a task transferred away, the audit trail written to
through the API, another applicant's material. Each is refused, changes nothing, and is audited
where the API audits refusals."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from api import audit
from api.models import AuditRecord
from api_kit import audit_rows, tasks_of
from case_api_kit import BUYER_ID, REAL_ESTATE, ok, open_case, real_estate_application


def chain(env) -> list[tuple[int, str]]:
    with env.unit_of_work() as uow:
        assert audit.verify(uow.session).ok
        return list(uow.session.execute(select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq)))


def case_history(as_user, case_id: str) -> list[dict]:
    return as_user("super1").get(f"/api/v1/instances/{case_id}").get_json()["history"]


@pytest.mark.parametrize("action,body", [
    ("complete", {"data": {"acceptance": "accept"}}), ("unclaim", None),
    ("transfer", {"to_user": "clerk1"}), ("claim", None),
])
def test_a_task_transferred_to_a_colleague_cannot_be_worked_by_its_former_holder(
        as_user, start_case, env, action, body):
    case = start_case("zhang3")
    clerk1, clerk2 = as_user("clerk1"), as_user("clerk2")
    (accept,) = tasks_of(clerk1, case["id"])
    url = f"/api/v1/tasks/{accept['id']}"
    assert clerk1.post(f"{url}/claim").status_code == 200
    held_etag = clerk1.get(url).headers["ETag"]
    assert clerk1.post(f"{url}/transfer", json={"to_user": "clerk2", "reason": "轮岗"}).status_code == 200
    before = clerk2.get(url)
    history = case_history(as_user, case["id"])

    for headers in ({}, {"If-Match": held_etag}):  # with or without the ETag from when it was theirs
        response = clerk1.post(f"{url}/{action}", json=body, headers=headers)
        assert response.status_code == 404, response.get_json()
        assert response.mimetype == "application/problem+json"

    after = clerk2.get(url)
    assert after.get_json()["state"] == "ready" and after.get_json()["assignee"] == "clerk2"
    assert after.headers["ETag"] == before.headers["ETag"]
    assert [t["id"] for t in tasks_of(clerk2, case["id"], scope="mine")] == [accept["id"]]
    assert case_history(as_user, case["id"]) == history
    past = {"claim": "claimed", "complete": "completed", "unclaim": "unclaimed", "transfer": "transferred"}
    refusals = audit_rows(env, action=f"task.{past[action]}", result="denied")
    assert [(r.actor, r.object_id) for r in refusals] == [("clerk1", accept["id"])] * 2


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path,status", [
    ("/api/v1/audit", 405), ("/api/v1/audit/verify", 405), ("/api/v1/instances/{case}/audit", 405),
    ("/api/v1/audit/1", 404),  # no route addresses a single record
])
def test_an_auditor_cannot_change_or_delete_audit_records_through_the_api(
        as_user, start_case, env, method, path, status):
    case = start_case("zhang3")
    auditor = as_user("auditor1")
    before = chain(env)
    body = {"result": "ok", "actor": "nobody", "action": "instance.started", "hash": "0" * 64}
    response = getattr(auditor, method)(path.format(case=case["id"]), json=body)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith("method-not-allowed" if status == 405 else "not-found")
    after = chain(env)
    assert after[:len(before)] == before  # nothing changed ...
    if status == 405:  # ... and the attempt itself is on the record
        attempts = [r for r in audit_rows(env, actor="auditor1", result="denied") if r.details.get("status") == 405]
        assert [r.action for r in attempts] == [f"{method} {path.format(case=case['id'])}"]
    assert auditor.get("/api/v1/audit/verify").get_json()["ok"]


def test_an_applicant_cannot_read_another_applicants_material_and_the_attempt_is_audited(as_demo, clock, env):
    clock.set(2026, 9, 28, 10)
    owner, other = as_demo("applicant"), as_demo("company")
    content = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    contract = ok(owner.post("/api/v1/materials", query_string={"form_key": "bdc_application", "field": "/contract"},
                             data={"file": (io.BytesIO(content), "存量房买卖合同.pdf")},
                             content_type="multipart/form-data"), 201)
    case_id = open_case(owner, REAL_ESTATE, real_estate_application(contract=contract), id_number=BUYER_ID)["case_id"]
    url = f"/api/v1/cases/{case_id}/materials/{contract['sha256']}"

    refused = other.get(url)
    assert refused.status_code == 404 and refused.mimetype == "application/problem+json"
    assert content not in refused.get_data()
    [record] = audit_rows(env, actor="company", result="denied")
    assert record.action == "get /api/v1/cases/<case_id>/materials/<sha256>" and record.details["status"] == 404
    mine = owner.get(url)
    assert mine.status_code == 200 and mine.get_data() == content
    mine.close()
