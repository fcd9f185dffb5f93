"""Electronic supervision through the API: lights on the working-day calendar (National Day, a local
holiday), what supervisors query and export, and the statistics; nobody else sees them."""

from __future__ import annotations

import pytest

from case_api_kit import (
    BUYER_ID,
    ELDERLY,
    FOUNDER_ID,
    REAL_ESTATE,
    STARTUP,
    case,
    elder_id,
    elderly_application,
    ok,
    open_case,
    real_estate_application,
    startup_application,
)

DEPARTMENT = "马鞍山市不动产登记中心"


@pytest.fixture
def supervisor(as_demo):
    return as_demo("supervisor")


def light_at(client, supervisor, clock, case_id: str, *when: int) -> str:
    """Run the lights sweep at that moment (the scheduler does it every few minutes) and read the light."""
    clock.set(*when)
    assert ok(supervisor.post("/api/v1/supervision/sweep"), 202)["queued"] >= 1
    return case(client, case_id)["light"]


def test_an_overdue_case_turns_red_across_national_day_and_supervisors_find_and_export_it(
        as_demo, clock, supervisor):
    applicant = as_demo("applicant")
    clock.set(2026, 9, 28, 10)  # Monday; 5 working days: 9/29, 9/30, 10/8, 10/9 and the make-up Saturday 10/10
    receipt = open_case(applicant, REAL_ESTATE, real_estate_application(), id_number=BUYER_ID)
    case_id = receipt["case_id"]
    assert light_at(applicant, supervisor, clock, case_id, 2026, 10, 7, 12) == "green"  # the holiday week
    assert light_at(applicant, supervisor, clock, case_id, 2026, 10, 9, 10) == "yellow"  # 4 of 5 used
    assert light_at(applicant, supervisor, clock, case_id, 2026, 10, 10, 20) == "yellow"  # still in time
    assert light_at(applicant, supervisor, clock, case_id, 2026, 10, 11, 9) == "red"

    query = {"light": "red", "department": DEPARTMENT, "region_code": "340500", "item_code": REAL_ESTATE}
    (red,) = ok(supervisor.get("/api/v1/supervision/cases", query_string=query))
    assert (red["tracking_number"], red["light_at"]) == (receipt["tracking_number"], "2026-10-11T01:00:00+00:00")
    assert red["case_id"] == case_id  # the drill-down opens GET /cases/{case_id} straight away
    assert ok(supervisor.get("/api/v1/supervision/cases", query_string={"light": "green"})) == []
    exported = supervisor.get("/api/v1/supervision/cases.csv", query_string={"light": "red"})
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    header, row = exported.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert header.startswith("tracking_number,item_code,item_name,department,region_code,channel,opened_at")
    assert row.startswith(f"{receipt['tracking_number']},{REAL_ESTATE},存量房买卖转移登记,{DEPARTMENT},340500,online,"
                          "2026-09-28 10:00:00,5,0,2026-10-10 23:59:59,red,2026-10-11 09:00:00")
    assert header.endswith(",outcome,closed_at,case_id,due_provisional") and row.endswith(f",{case_id},False")

    notices = ok(supervisor.get("/api/v1/supervision/notices", query_string={"department": DEPARTMENT}))
    assert [(n["subject"], n["level"]) for n in notices] == [("case", "yellow"), ("case", "red")]
    acknowledged = ok(supervisor.post(f"/api/v1/supervision/notices/{notices[1]['id']}/acknowledge"))
    assert acknowledged["acknowledged_by"] == "supervisor"

    for someone in ("applicant", "clerk", "bdc.examiner", "auditor"):
        client = as_demo(someone)
        assert client.get("/api/v1/supervision/cases").status_code == 403
        assert client.get("/api/v1/supervision/notices").status_code == 403
        assert client.post("/api/v1/supervision/sweep").status_code == 403
    assert as_demo("sysadmin").post("/api/v1/supervision/sweep").status_code == 202


def test_a_local_holiday_set_by_an_administrator_moves_the_deadline(as_demo, clock, supervisor):
    admin = as_demo("sysadmin")
    typhoon = ok(admin.put("/api/v1/calendar/overrides/2026-10-09", json={"working": False, "note": "台风停工"}))
    assert (typhoon["day"], typhoon["working"], typhoon["set_by"]) == ("2026-10-09", False, "sysadmin")
    assert supervisor.put("/api/v1/calendar/overrides/2026-10-09", json={"working": True}).status_code == 403
    assert admin.put("/api/v1/calendar/overrides/2026-13-01", json={"working": True}).status_code == 422
    assert [o["day"] for o in ok(supervisor.get("/api/v1/calendar/overrides", query_string={"year": 2026}))] == [
        "2026-10-09"]

    applicant = as_demo("applicant")
    clock.set(2026, 9, 28, 10)
    case_id = open_case(applicant, REAL_ESTATE, real_estate_application(), id_number=BUYER_ID)["case_id"]
    assert case(applicant, case_id)["due_at"].startswith("2026-10-12T15:59:59")  # 10/9 is off: Monday 10/12
    assert light_at(applicant, supervisor, clock, case_id, 2026, 10, 11, 9) == "yellow"
    assert light_at(applicant, supervisor, clock, case_id, 2026, 10, 13, 9) == "red"

    assert admin.delete("/api/v1/calendar/overrides/2026-10-09").status_code == 204
    assert ok(supervisor.get("/api/v1/calendar/overrides")) == []


def test_statistics_count_cases_by_item_and_channel_for_supervisors_only(as_demo, clock, supervisor):
    clock.set(2026, 11, 2, 10)
    open_case(as_demo("applicant"), REAL_ESTATE, real_estate_application(), id_number=BUYER_ID)
    open_case(as_demo("applicant"), ELDERLY, elderly_application(92), id_number=elder_id(92))
    open_case(as_demo("clerk"), STARTUP, startup_application(), id_number=FOUNDER_ID, channel="window",
              window="window", user="applicant")

    rows = ok(supervisor.get("/api/v1/statistics", query_string={"by": ["item", "channel"]}))
    summary = {(r["item_code"], r["channel"]): (r["cases"], r["closed"], r["on_time"]) for r in rows}
    assert summary == {(STARTUP, "window"): (1, 0, 0), (REAL_ESTATE, "online"): (1, 0, 0),
                       (ELDERLY, "online"): (1, 1, 1)}
    overall = ok(supervisor.get("/api/v1/statistics"))
    assert overall[0]["cases"] == 3 and overall[0]["online_share"] == pytest.approx(2 / 3)
    exported = supervisor.get("/api/v1/statistics.csv", query_string={"by": "department"})
    assert exported.status_code == 200
    assert exported.get_data(as_text=True).lstrip("\ufeff").startswith("department,cases,online,online_share")
    assert supervisor.get("/api/v1/statistics", query_string={"by": "colour"}).status_code == 422
    assert as_demo("clerk").get("/api/v1/statistics").status_code == 403
