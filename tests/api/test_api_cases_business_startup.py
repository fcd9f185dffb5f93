"""企业开办一件事 through the API: a clerk applies at the window for the founder, accepts with a deficiency
(容缺受理), four departments work in parallel (each only its own part), the window hands out; or refuses."""

from __future__ import annotations

import pytest

from case_api_kit import (
    FOUNDER_ID,
    credit_code,
    STARTUP,
    case,
    complete,
    ok,
    open_case,
    open_steps,
    progress,
    startup_application,
    task,
)

DEPARTMENTS = {
    "registration": ("amr.officer", {"registration_review": {"approved": True,
                                                             "uscc": credit_code("340500", "MA2T8K3L9")}}),
    "seal": ("psb.officer", {"seal_review": {"approved": True}}),
    "tax": ("tax.officer", {"tax_review": {"approved": True}}),
    "social": ("hrss.officer", {"social_review": {"approved": True}}),
}
DEFERRED = {"kind": "material", "ref": "KB-M03", "name": "住所(经营场所)使用证明", "problem": "租赁合同尚未签订",
            "requirement": "5个工作日内补交"}


@pytest.fixture
def opened(as_demo, clock):
    clock.set(2026, 11, 2, 10)  # a Monday
    clerk = as_demo("clerk")
    return open_case(clerk, STARTUP, startup_application(), id_number=FOUNDER_ID, channel="window",
                     window="window", user="applicant")


def test_a_window_case_accepted_with_a_deficiency_runs_four_departments_in_parallel(as_demo, clock, opened):
    case_id = opened["case_id"]
    clerk, applicant = as_demo("clerk"), as_demo("applicant")
    stored = case(applicant, case_id)  # the founder follows the case the clerk opened for them
    assert (stored["channel"], stored["opened_by"], stored["window"], stored["applicant_user"]) == (
        "window", "clerk", "window", "applicant")
    assert stored["due_at"].startswith("2026-11-05T15:59:59")  # 3 working days
    assert case_id in [c["case_id"] for c in ok(applicant.get("/api/v1/cases"))["items"]]

    accept = task(clerk, case_id, "accept")
    promise = ok(clerk.post(f"/api/v1/cases/{case_id}/promises", json={
        "kind": "deficiency", "items": [DEFERRED], "task_id": accept["id"],
        "data": {"acceptance": "accept", "deferred_materials": ["KB-M03"]}}), 201)
    assert promise["days"] == 5 and promise["due_at"].startswith("2026-11-09T15:59:59")  # the item's option
    assert "容缺受理" in promise["notice_text"] and "住所(经营场所)使用证明" in promise["notice_text"]
    assert open_steps(clerk, case_id) == sorted(DEPARTMENTS)

    tax = as_demo("tax.officer")
    seal = task(as_demo("psb.officer"), case_id, "seal")
    assert tax.get(f"/api/v1/tasks/{seal['id']}").status_code == 404
    assert tax.post(f"/api/v1/tasks/{seal['id']}/complete", json={"data": {"seal_review": {"approved": True}}}
                    ).status_code == 404
    for element_id, (officer, opinion) in DEPARTMENTS.items():
        complete(as_demo(officer), case_id, element_id, opinion)
    assert open_steps(clerk, case_id) == ["issue"]

    ok(clerk.post(f"/api/v1/cases/{case_id}/promises/{promise['id']}/fulfil"))
    complete(clerk, case_id, "issue", {"delivery": "mail", "tracking_number": "1186012345678"})
    done = case(applicant, case_id)
    assert (done["status"], done["outcome"]) == ("completed", "completed")
    assert done["promises"][0]["fulfilled_at"] is not None and done["promises"][0]["overdue"] is False
    assert progress(clerk.client.application, opened["tracking_number"])["status_label"] == "已办结"


def test_a_refusal_to_accept_closes_the_case_with_a_notice_naming_the_remedies(app, as_demo, opened):
    case_id = opened["case_id"]
    clerk = as_demo("clerk")
    # departments not yet involved cannot see the case, let alone refuse it
    assert as_demo("psb.officer").post(f"/api/v1/cases/{case_id}/refusal", json={"reason": "x"}).status_code == 404
    accept = task(clerk, case_id, "accept")
    refusal = ok(clerk.post(f"/api/v1/cases/{case_id}/refusal", json={
        "reason": "拟设立企业名称与已登记企业名称相同", "basis": "《企业名称登记管理规定》第十七条",
        "task_id": accept["id"], "data": {"acceptance": "refuse", "reason": "企业名称重名"}}), 201)
    assert "行政复议" in refusal["notice_text"] and "行政诉讼" in refusal["notice_text"]
    public = progress(app, opened["tracking_number"])
    assert (public["status"], public["status_label"]) == ("not_accepted", "不予受理")
    assert case(as_demo("applicant"), case_id)["outcome"] == "not_accepted"
    assert clerk.post(f"/api/v1/cases/{case_id}/refusal", json={"reason": "again"}).status_code == 409


def test_the_founder_completing_the_correction_step_resubmits_and_the_clock_runs_again(as_demo, clock, opened):
    case_id = opened["case_id"]
    clerk, applicant = as_demo("clerk"), as_demo("applicant")
    articles = {"kind": "material", "ref": "KB-M02", "name": "公司章程", "problem": "章程未经全体股东签署"}
    accept = task(clerk, case_id, "accept")
    ok(clerk.post(f"/api/v1/cases/{case_id}/corrections", json={
        "items": [articles], "task_id": accept["id"], "data": {"acceptance": "correct", "deficiencies": [articles]}}),
       201)
    assert case(applicant, case_id)["status"] == "awaiting_correction"

    clock.set(2026, 11, 4, 15)  # two working days later
    complete(applicant, case_id, "correct", {"supplement": "已上传全体股东签署的章程"})
    resumed = case(applicant, case_id)
    assert (resumed["status"], resumed["paused_days"]) == ("in_progress", 2)
    assert resumed["corrections"][0]["resubmitted_at"].startswith("2026-11-04T07:00:00")
    assert open_steps(clerk, case_id) == ["accept"]
