"""高龄津贴 through the API: smart approval decides at once online (zero visits); the unclear case goes to the
civil affairs officer; what cannot be opened is refused with every problem."""

from __future__ import annotations

from case_api_kit import ELDERLY, case, complete, elder_id, elderly_application, ok, open_case, open_steps, progress


def test_a_local_elder_is_approved_by_the_rules_the_moment_the_application_is_in(app, as_demo):
    applicant = as_demo("applicant")
    receipt = open_case(applicant, ELDERLY, elderly_application(92), id_number=elder_id(92))
    stored = case(applicant, receipt["case_id"])
    assert (stored["status"], stored["current_tasks"]) == ("completed", [])
    (decision,) = stored["decisions"]
    assert decision["rules"] and decision["outputs"]["monthly_amount"] == 300
    assert progress(app, receipt["tracking_number"])["status_label"] == "已办结"
    ok(applicant.post(f"/api/v1/cases/{receipt['case_id']}/rating", json={"score": 5}), 201)
    assert ok(as_demo("supervisor").get("/api/v1/ratings/flagged")) == []


def test_someone_without_local_registration_goes_to_an_officer_of_the_district(as_demo):
    applicant, officer = as_demo("applicant"), as_demo("civil.officer")
    data = elderly_application(88, local=False, residence_permit={
        "source": "licence", "licence_type": "AH-RESIDENCE-PERMIT", "licence_number": "340503-JZ-2017-889"})
    case_id = open_case(applicant, ELDERLY, data, id_number=elder_id(88))["case_id"]
    assert open_steps(officer, case_id) == ["manual_review"]
    assert as_demo("tax.officer").get(f"/api/v1/cases/{case_id}").status_code == 404

    complete(officer, case_id, "manual_review", {"review_decision": "approve", "monthly_amount": 200})
    assert (case(applicant, case_id)["status"], case(applicant, case_id)["outcome"]) == ("completed", "completed")


def test_an_officers_refusal_closes_the_case_as_denied_not_as_granted(app, as_demo):
    """The process ends at the end event marked yw:notice="refusal" (不予发放): the case is closed with
    the outcome ``denied``, which the statistics count as decided and the public page shows as concluded."""
    applicant, officer = as_demo("applicant"), as_demo("civil.officer")
    data = elderly_application(88, local=False, residence_permit={
        "source": "licence", "licence_type": "AH-RESIDENCE-PERMIT", "licence_number": "340503-JZ-2017-889"})
    receipt = open_case(applicant, ELDERLY, data, id_number=elder_id(88))
    complete(officer, receipt["case_id"], "manual_review", {"review_decision": "refuse", "reason": "居住年限不足"})
    stored = case(applicant, receipt["case_id"])
    assert (stored["status"], stored["outcome"]) == ("completed", "denied")
    assert progress(app, receipt["tracking_number"])["status_label"] == "已办结"


def test_an_application_that_cannot_be_opened_is_refused_with_every_problem_and_nothing_stored(as_demo):
    applicant = as_demo("applicant")
    wrong_check_digit = elder_id(92)[:-1] + ("0" if elder_id(92)[-1] != "0" else "1")
    refused = applicant.post("/api/v1/cases", json={
        "item_code": ELDERLY, "applicant": {"id_number": wrong_check_digit}, "data": elderly_application(92)})
    assert refused.status_code == 422
    assert [e["pointer"] for e in refused.get_json()["errors"]] == ["/applicant/id_number"]

    incomplete = elderly_application(92)
    del incomplete["bank_card"]
    missing = applicant.post("/api/v1/cases", json={"item_code": ELDERLY, "applicant": {"id_number": elder_id(92)},
                                                    "data": incomplete})
    assert missing.status_code == 422 and [e["pointer"] for e in missing.get_json()["errors"]] == ["/bank_card"]
    unknown = applicant.post("/api/v1/cases", json={"item_code": "340503-XZGF-NONE-001",
                                                    "applicant": {"id_number": elder_id(92)}, "data": {}})
    assert unknown.status_code == 404
    someone_else = applicant.post("/api/v1/cases", json={
        "item_code": ELDERLY, "applicant": {"id_number": elder_id(92)},
        "data": elderly_application(92, applicant="company")})
    assert someone_else.status_code == 422
    assert ok(applicant.get("/api/v1/cases"))["total"] == 0
