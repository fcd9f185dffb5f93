"""存量房买卖转移登记 through the API: online application, one correction round with the clock stopped,
a returned and a withdrawn step, the e-licence verified (and refused once a byte changes), a poor rating."""

from __future__ import annotations

import base64
import json

import pytest

from api_kit import audit_rows
from case_api_kit import (
    BUYER_ID,
    BUYER_MOBILE,
    REAL_ESTATE,
    case,
    complete,
    ok,
    open_case,
    open_steps,
    progress,
    real_estate_application,
    task,
    text_of,
)

DEFICIENCY = {"kind": "material", "ref": "BDC-M03", "name": "存量房买卖合同", "problem": "合同第3页缺少出卖人签字",
              "requirement": "补签后重新上传"}


@pytest.fixture
def people(as_demo):
    return {name: as_demo(name) for name in ("applicant", "company", "clerk", "bdc.examiner", "bdc.recorder",
                                             "supervisor", "auditor")}


@pytest.fixture
def opened(people, clock):
    """A case opened online on Monday 2026-09-28, the week before National Day."""
    clock.set(2026, 9, 28, 10)
    receipt = open_case(people["applicant"], REAL_ESTATE, real_estate_application(), id_number=BUYER_ID)
    return receipt


def test_an_online_case_gets_a_receipt_with_a_qr_code_and_a_public_progress_page_without_personal_data(
        app, people, opened):
    assert opened["tracking_number"].startswith("340500XZQRBDC012-340500-20260928-")
    assert opened["due_at"].startswith("2026-10-10T15:59:59")  # 23:59:59 CST on the make-up Saturday
    assert opened["progress_url"] == (f"https://zwfw.example.gov.cn/progress/{opened['tracking_number']}"
                                      f"?code={opened['query_code']}")
    applicant = people["applicant"]
    svg = applicant.get(opened["qr_svg"])
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and opened["progress_url"].encode() in svg.data
    png = applicant.get(opened["qr_png"])
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG\r\n\x1a\n")

    public = progress(app, opened["tracking_number"])
    assert (public["status"], public["status_label"]) == ("in_progress", "办理中")
    assert [s["step"] for s in public["current_steps"]] == ["综合窗口受理"] and public["steps_done"] == []
    shown = text_of(public)
    for personal in (BUYER_ID, BUYER_MOBILE, "张伟", "刘芳", "applicant", "clerk", "湖东中路"):
        assert personal not in shown
    assert app.test_client().get("/api/v1/progress/340500XZQRBDC012-340500-20260928-00001X").status_code == 404

    stored = case(applicant, opened["case_id"])
    assert (stored["channel"], stored["opened_by"], stored["applicant_id_masked"]) == (
        "online", "applicant", BUYER_ID[:4] + "*" * 10 + BUYER_ID[-4:])
    assert [r.action for r in audit_rows(app.extensions["yiwang"], case_id=opened["case_id"])] == ["case.opened"]


def test_other_applicants_and_departments_do_not_see_the_case(app, people, as_demo, opened):
    case_id = opened["case_id"]
    assert people["company"].get(f"/api/v1/cases/{case_id}").status_code == 404
    assert people["company"].get(opened["qr_png"]).status_code == 404
    assert as_demo("tax.officer").get(f"/api/v1/cases/{case_id}").status_code == 404
    refused = people["company"].post(f"/api/v1/cases/{case_id}/corrections", json={"items": [DEFICIENCY]})
    assert refused.status_code == 404
    # an approver of another department cannot ask for corrections on it either
    assert as_demo("tax.officer").post(f"/api/v1/cases/{case_id}/corrections",
                                       json={"items": [DEFICIENCY]}).status_code == 404
    # nobody opens an online case in someone else's name
    other = people["company"].post("/api/v1/cases", json={
        "item_code": REAL_ESTATE, "applicant": {"user": "applicant", "id_number": BUYER_ID},
        "data": real_estate_application()})
    assert other.status_code == 403
    assert {r.result for r in audit_rows(app.extensions["yiwang"], case_id=case_id)} >= {"denied"}


def test_a_correction_stops_the_clock_until_the_applicant_resubmits(app, people, clock, opened):
    case_id, number = opened["case_id"], opened["tracking_number"]
    clerk, applicant = people["clerk"], people["applicant"]
    accept = task(clerk, case_id, "accept")
    notice = ok(clerk.post(f"/api/v1/cases/{case_id}/corrections", json={
        "items": [DEFICIENCY, {"kind": "field", "ref": "/price", "name": "成交价格", "problem": "与合同金额不一致"}],
        "task_id": accept["id"], "data": {"acceptance": "correct", "deficiencies": [DEFICIENCY]}}), 201)
    assert notice["round"] == 1
    assert "合同第3页缺少出卖人签字" in notice["notice_text"] and "成交价格" in notice["notice_text"]
    assert progress(app, number)["status_label"] == "待补正"
    # a second notice while the first is open is refused: one notice lists everything
    again = clerk.post(f"/api/v1/cases/{case_id}/corrections", json={"items": [DEFICIENCY]})
    assert again.status_code == 409

    clock.set(2026, 10, 11, 9)  # past the original deadline: the clock stood still, so no red light
    ok(people["supervisor"].post("/api/v1/supervision/sweep"), 202)
    assert case(applicant, case_id)["light"] == "green"

    clock.set(2026, 10, 12, 10)
    resubmitted = ok(applicant.post(f"/api/v1/cases/{case_id}/resubmit",
                                    json={"data": {"supplement": "已补签并重新上传合同"}}))
    # 9/29, 9/30, (National Day 10/1-10/7), 10/8, 10/9, make-up Saturday 10/10, 10/12: six working days paused
    assert resubmitted["paused_working_days"] == 6
    stored = case(applicant, case_id)
    assert stored["paused_days"] == 6 and stored["due_at"].startswith("2026-10-19T15:59:59")  # 5 + 6 working days
    assert stored["corrections"][0]["resubmitted_at"] is not None
    assert progress(app, number)["status"] == "in_progress"
    assert open_steps(clerk, case_id) == ["accept"]


def drive_to_issue(people, case_id: str) -> None:
    """Accepted, examined and entered in the register; the certificate waits at the window."""
    complete(people["clerk"], case_id, "accept", {"acceptance": "accept", "fee_paid": True})
    complete(people["bdc.examiner"], case_id, "review", {"review_decision": "approve", "encumbrances_checked": True})
    complete(people["bdc.recorder"], case_id, "record", {
        "unit_number": "340503001002GB00012F00051202", "new_certificate_number": "皖(2026)马鞍山市不动产权第0098765号"})


def test_an_examiner_returns_the_case_to_the_window_and_a_recorder_withdraws_a_step(people, opened):
    case_id = opened["case_id"]
    clerk, examiner, recorder = people["clerk"], people["bdc.examiner"], people["bdc.recorder"]
    complete(clerk, case_id, "accept", {"acceptance": "accept", "fee_paid": True})
    review = task(examiner, case_id, "review")
    ok(examiner.post(f"/api/v1/tasks/{review['id']}/claim"))
    returned = ok(examiner.post(f"/api/v1/tasks/{review['id']}/return",
                                json={"to_element_id": "accept", "reason": "缴税凭证与合同价格不符,请窗口重新核验"}))
    assert open_steps(clerk, case_id) == ["accept"] and task(clerk, case_id, "accept")["id"] == returned["task_id"]
    # the recorder cannot return what never reached them
    assert recorder.post(f"/api/v1/tasks/{returned['task_id']}/return",
                         json={"to_element_id": "accept", "reason": "x"}).status_code == 404

    drive_to_issue(people, case_id)
    recorded = [t for t in case(clerk, case_id)["current_tasks"]]
    assert [t["element_id"] for t in recorded] == ["issue"]
    history = ok(recorder.get("/api/v1/tasks", query_string={"state": "completed", "scope": "mine"}))["items"]
    (record,) = [t for t in history if t["instance_id"] == case_id and t["element_id"] == "record"]
    # someone else cannot withdraw the recorder's step
    assert examiner.post(f"/api/v1/tasks/{record['id']}/withdraw", json={}).status_code == 404
    withdrawn = ok(recorder.post(f"/api/v1/tasks/{record['id']}/withdraw", json={"reason": "不动产单元号录错"}))
    assert open_steps(clerk, case_id) == ["record"] and withdrawn["instance_id"] == case_id
    complete(recorder, case_id, "record", {"unit_number": "340503001002GB00012F00051203",
                                           "new_certificate_number": "皖(2026)马鞍山市不动产权第0098765号"})
    # once the window took the certificate up, the recorder can no longer withdraw
    issue = task(clerk, case_id, "issue")
    ok(clerk.post(f"/api/v1/tasks/{issue['id']}/claim"))
    history = ok(recorder.get("/api/v1/tasks", query_string={"state": "completed", "scope": "mine"}))["items"]
    latest = max((t for t in history if t["instance_id"] == case_id and t["element_id"] == "record"),
                 key=lambda t: t["completed_at"])
    assert recorder.post(f"/api/v1/tasks/{latest['id']}/withdraw", json={}).status_code == 409
    actions = [h["action"] for h in ok(people["supervisor"].get(f"/api/v1/instances/{case_id}"))["history"]]
    assert "task.returned" in actions and "task.withdrawn" in actions


def test_the_certificate_is_issued_as_an_e_licence_verified_by_anyone_and_refused_once_a_byte_changes(
        app, people, opened):
    case_id = opened["case_id"]
    drive_to_issue(people, case_id)
    complete(people["clerk"], case_id, "issue", {"delivery": "mail", "tracking_number": "1186098765432"})
    licence = ok(people["clerk"].post(f"/api/v1/cases/{case_id}/licences", json={
        "holder_id": BUYER_ID, "holder_name": "张伟",
        "data": {"不动产权证号": "皖(2026)马鞍山市不动产权第0098765号", "坐落": "马鞍山市花山区湖东中路88号"}}), 201)
    assert (licence["licence_type"], licence["title"], licence["issuer"]) == (
        "CN-REAL-ESTATE-CERT", "不动产权证书", "马鞍山市不动产登记中心")
    number = licence["number"]
    assert number.startswith(opened["tracking_number"])
    assert ok(people["applicant"].get(f"/api/v1/licences/{number}"))["holder_id"] == BUYER_ID
    assert ok(people["supervisor"].get(f"/api/v1/licences/{number}"))["holder_id"] != BUYER_ID  # masked
    assert people["company"].get(f"/api/v1/licences/{number}").status_code == 404
    # the applicant cannot issue one to themselves
    assert people["applicant"].post(f"/api/v1/cases/{case_id}/licences",
                                    json={"holder_id": BUYER_ID, "holder_name": "张伟"}).status_code == 403

    public = app.test_client()
    document = ok(people["applicant"].get(f"/api/v1/licences/{number}/document"))
    assert ok(public.post("/api/v1/licences/verify", json=document))["valid"] is True
    assert ok(public.get(f"/api/v1/licences/{number}/verify"))["valid"] is True
    keys = ok(public.get("/api/v1/licences/keys"))
    assert document["key_id"] in keys["keys"]

    payload = document["payload"].encode()
    at = payload.index("张伟".encode())
    forged = payload[:at] + b"Z" + payload[at + 1:]  # one byte changed
    result = ok(public.post("/api/v1/licences/verify", json={**document, "payload": forged.decode(errors="replace")}))
    assert result["valid"] is False and "signature" in result["reason"]
    signature = bytearray(base64.b64decode(document["signature"]))
    signature[0] ^= 1
    tampered = {**document, "signature": base64.b64encode(bytes(signature)).decode()}
    assert ok(public.post("/api/v1/licences/verify", json=tampered))["valid"] is False
    assert json.loads(document["payload"])["holder"]["id"] == BUYER_ID

    ok(people["supervisor"].post(f"/api/v1/licences/{number}/revoke", json={"reason": "登记错误,依法撤销"}))
    revoked = ok(public.post("/api/v1/licences/verify", json=document))
    assert revoked["valid"] is False and "revoked" in revoked["reason"]


def test_a_poor_rating_is_flagged_for_supervisors_only_and_a_case_is_rated_once(people, opened):
    case_id = opened["case_id"]
    applicant = people["applicant"]
    assert applicant.post(f"/api/v1/cases/{case_id}/rating", json={"score": 2}).status_code == 409  # not finished
    drive_to_issue(people, case_id)
    complete(people["clerk"], case_id, "issue", {"delivery": "window"})
    assert case(applicant, case_id)["status"] == "completed"

    assert people["clerk"].post(f"/api/v1/cases/{case_id}/rating", json={"score": 5}).status_code == 403
    rated = ok(applicant.post(f"/api/v1/cases/{case_id}/rating", json={"score": 2, "comment": "窗口排队太久"}), 201)
    assert rated["score"] == 2 and "flagged" not in rated
    assert applicant.post(f"/api/v1/cases/{case_id}/rating", json={"score": 5}).status_code == 409

    flagged = ok(people["supervisor"].get("/api/v1/ratings/flagged"))
    (mine,) = [r for r in flagged if r["case_id"] == case_id]
    assert (mine["score"], mine["handled_element_id"], mine["handler"]) == (2, "issue", "clerk")
    for someone in ("applicant", "clerk", "bdc.examiner", "auditor"):
        assert people[someone].get("/api/v1/ratings/flagged").status_code == 403
    followed = ok(people["supervisor"].post(f"/api/v1/ratings/{case_id}/follow-up",
                                            json={"note": "已约谈窗口负责人,增设取件窗口"}))
    assert followed["follow_up"].startswith("已约谈")
    assert ok(people["supervisor"].get("/api/v1/ratings/flagged")) == []
