"""The working-day calendar over HTTP: an administrator loads a year's notice, every screen's deadline follows.

The notice file is made up for the tests (tests/data/calendar/); no real notice's dates are shipped.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from api_kit import audit_rows
from case_api_kit import (
    COMPANY_CODE,
    PERMIT,
    REAL_ESTATE,
    case,
    complete,
    ok,
    open_case,
    permit_application,
    progress,
    real_estate_application,
    resident_id,
)
from engine import task_index
from engine.calendar import CST
from support.paths import DATA

NOTICE_2027 = (DATA / "calendar" / "notice-2027-made-up.csv").read_text(encoding="utf-8")
INSPECTORS = {"housing": "housing.officer", "planning": "planning.officer", "fire": "fire.officer"}


@pytest.fixture
def engine_clock(clock, monkeypatch):
    """The engine opens and closes steps at the app's clock too."""
    monkeypatch.setattr(task_index, "utcnow", lambda: clock.now.astimezone(timezone.utc))
    return clock


def local_day(value: str) -> date:
    return datetime.fromisoformat(value).astimezone(CST).date()


def test_a_deadline_in_a_year_without_its_notice_is_provisional_everywhere_until_an_admin_loads_it(
        as_demo, app, engine_clock, env):
    engine_clock.set(2026, 12, 28, 10)
    applicant, admin, supervisor = as_demo("applicant"), as_demo("sysadmin"), as_demo("supervisor")
    receipt = open_case(applicant, REAL_ESTATE, real_estate_application(), id_number=resident_id())
    case_id = receipt["case_id"]
    assert receipt["due_provisional"] is True
    assert case(applicant, case_id)["due_provisional"] is True
    assert progress(app, receipt["tracking_number"])["due_provisional"] is True
    [row] = ok(supervisor.get("/api/v1/supervision/cases"))
    assert row["due_provisional"] is True
    [warning] = ok(supervisor.get("/api/v1/calendar/status"))["warnings"]
    assert warning["year"] == 2027 and "2027 年节假日安排通知尚未导入" in warning["message"]

    assert supervisor.post("/api/v1/calendar/import", json={"content": NOTICE_2027}).status_code == 403
    checked = ok(admin.post("/api/v1/calendar/import", json={"content": NOTICE_2027, "dry_run": True}))
    assert (checked["dry_run"], checked["years"], checked["national_days"]) == (True, [2027], 22)
    assert case(applicant, case_id)["due_provisional"] is True  # a dry run stores nothing
    loaded = ok(admin.post("/api/v1/calendar/import", json={"content": NOTICE_2027}))
    assert (loaded["dry_run"], loaded["cases_moved"]) == (False, 0)  # 5 working days end before 元旦's effects

    assert case(applicant, case_id)["due_provisional"] is False
    assert progress(app, receipt["tracking_number"])["due_provisional"] is False
    assert ok(supervisor.get("/api/v1/calendar/status"))["warnings"] == []
    checked_record, loaded_record = reversed(audit_rows(env, action="calendar.imported", result="ok"))
    assert (loaded_record.actor, loaded_record.object_id) == ("sysadmin", "2027")
    assert (loaded_record.details["national_days"], loaded_record.details["dry_run"]) == (22, False)
    assert checked_record.details["dry_run"] is True
    days = ok(supervisor.get("/api/v1/calendar/days", query_string={"year": 2027}))
    assert {(d["day"], d["kind"], d["source"]) for d in days} >= {("2027-02-09", "holiday", "notice"),
                                                                  ("2027-02-20", "workday", "notice")}


def test_a_bad_notice_file_answers_422_with_every_line_in_chinese(as_demo):
    admin = as_demo("sysadmin")
    answer = admin.post("/api/v1/calendar/import", json={"content": "2027-02-30,holiday,春节,测试\n2027-02-17,上班,调休,测试"})
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert [e["message"] for e in answer.get_json()["errors"]] == [
        "第 1 行：“2027-02-30”不是有效日期（格式：2027-01-01）",
        "第 2 行：2027-02-17 是工作日（周三），调休上班日应为周六或周日"]
    assert ok(admin.get("/api/v1/calendar/status"))["years"][-1]["source"] == "statutory"


def test_a_local_closure_is_set_and_cleared_by_an_administrator_only(as_demo, env):
    admin, clerk = as_demo("sysadmin"), as_demo("clerk")
    body = {"kind": "closure", "name": "台风停止办公", "notice": "市政府通知〔2026〕9号"}
    assert clerk.put("/api/v1/calendar/local/2026-10-09", json=body).status_code == 403
    assert ok(admin.put("/api/v1/calendar/local/2026-10-09", json=body)) == {"cases_moved": 0, "steps_moved": 0}
    days = ok(clerk.get("/api/v1/calendar/days", query_string={"year": 2026}))
    assert [(d["day"], d["kind"], d["name"]) for d in days if d["scope"] == "local"] == [
        ("2026-10-09", "closure", "台风停止办公")]
    assert admin.put("/api/v1/calendar/local/2026-10-09", json={"kind": "holiday"}).status_code == 422
    ok(admin.delete("/api/v1/calendar/local/2026-10-09"))
    assert [d for d in ok(clerk.get("/api/v1/calendar/days", query_string={"year": 2026}))
            if d["scope"] == "local"] == []
    assert [r.action for r in audit_rows(env, object_type="day", result="ok")] == ["calendar.local_day_cleared",
                                                                      "calendar.local_day_set"]


def test_an_elderly_resident_of_huashan_born_in_1940_can_apply():
    """340503 (花山区) dates from 1983; a number the county assigned later still carries it."""
    from forms.identifiers import resident_id_problem
    from processes.cases import id_number_errors

    number = resident_id("340503", "19400101", "021")
    assert resident_id_problem(number) is None
    assert id_number_errors("person", number, pointer="/id", kind_pointer="/kind") == []


def test_the_expert_review_stops_the_case_clock_for_exactly_the_working_days_it_took(as_demo, app, engine_clock):
    engine_clock.set(2026, 9, 1, 9)  # a Tuesday
    company, clerk = as_demo("company"), as_demo("clerk")
    receipt = open_case(company, PERMIT, permit_application(), id_number=COMPANY_CODE, kind="company")
    case_id = receipt["case_id"]
    due_before = local_day(receipt["due_at"])
    complete(clerk, case_id, "accept", {"acceptance": "accept", "inspection_departments": sorted(INSPECTORS),
                                        "countersign_departments": ["fire", "housing", "planning"]})
    engine_clock.set(2026, 9, 7, 9)  # Monday: the inspections finish, the expert review opens
    for department, officer in INSPECTORS.items():
        complete(as_demo(officer), case_id, "inspect",
                 {"inspection": {"site_matches": True, "findings": f"{department}: 现场与图纸一致"}})
    assert progress(app, receipt["tracking_number"])["status"] == "special_procedure"
    assert case(company, case_id)["status_label"].startswith("特别程序中")

    # Two weeks later: 11 working days in review (9/8-9/11, 9/14-9/18, the make-up Sunday 9/20, 9/21).
    engine_clock.set(2026, 9, 21, 15)
    complete(as_demo("expert"), case_id, "expert_review", {"expert_conclusion": "pass"})

    after = case(company, case_id)
    assert (after["status"], after["paused_days"]) == ("in_progress", 11)
    # 50 working days from 9/1 ran to 11/16 (国庆 off); 11 more working days: 12/1.
    assert (due_before, local_day(after["due_at"])) == (date(2026, 11, 16), date(2026, 12, 1))


def test_without_a_public_address_set_the_receipt_links_to_the_address_the_request_came_to(app, as_demo):
    """The default was http://localhost:5000 while `yiwang serve` listens on 8000: every QR code led nowhere."""
    from api import case_settings
    from processes.case_config import CaseConfig

    app.extensions[case_settings.CONFIG] = CaseConfig(licence_key_file=app.extensions[case_settings.CONFIG]
                                                      .licence_key_file)
    applicant = as_demo("applicant")
    receipt = open_case(applicant, REAL_ESTATE, real_estate_application(), id_number=resident_id())
    assert receipt["progress_url"].startswith(f"http://localhost/progress/{receipt['tracking_number']}?code=")
    opened = app.test_client().get(receipt["progress_url"].removeprefix("http://localhost"))
    assert opened.status_code == 302 and opened.headers["Location"].startswith("/ui/progress/")
    svg = applicant.get(f"/api/v1/cases/{receipt['case_id']}/receipt/qr.svg").get_data(as_text=True)
    assert receipt["progress_url"].replace("&", "&amp;") in svg or receipt["progress_url"] in svg
