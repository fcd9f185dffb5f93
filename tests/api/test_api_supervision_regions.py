"""A supervisor bound to a region sees only that region's cases (and those of the regions below it);
a supervision office without a region sees the whole installation."""

from __future__ import annotations

import pytest

from api_kit import PASSWORD, login
from case_api_kit import (
    BUYER_ID,
    ELDERLY,
    REAL_ESTATE,
    elder_id,
    elderly_application,
    ok,
    open_case,
    real_estate_application,
)


@pytest.fixture
def supervisors(app, env, demo):
    """A district supervisor (花山区, 340503) and a city one (马鞍山市, 340500) next to the demo's
    region-less supervision office."""
    from api import accounts

    accounts.create_group(env.unit_of_work(), "district_supervision", kind="department", region_code="340503")
    accounts.create_group(env.unit_of_work(), "city_supervision", kind="department", region_code="340500")
    for username, group in (("district_sup", "district_supervision"), ("city_sup", "city_supervision")):
        accounts.create_user(env.unit_of_work(), username, password=PASSWORD, roles=["supervisor"],
                             groups=[group], min_length=12)
    return {name: login(app, name, PASSWORD) for name in ("district_sup", "city_sup")}


@pytest.fixture
def two_cases(as_demo, clock):
    """A city-level case (不动产, 340500) and a district one (高龄津贴, 340503)."""
    applicant = as_demo("applicant")
    clock.set(2026, 11, 2, 10)
    city = open_case(applicant, REAL_ESTATE, real_estate_application(), id_number=BUYER_ID)
    district = open_case(applicant, ELDERLY, elderly_application(85), id_number=elder_id(85))
    return city, district


ALL = {"open_only": "false"}


def _numbers(rows) -> set[str]:
    return {r["tracking_number"] for r in rows}


def test_a_district_supervisor_sees_only_the_districts_cases(supervisors, two_cases, as_demo):
    city, district = two_cases
    district_sup, city_sup = supervisors["district_sup"], supervisors["city_sup"]
    office = as_demo("supervisor")

    seen = _numbers(ok(district_sup.get("/api/v1/supervision/cases", query_string=ALL)))
    assert district["tracking_number"] in seen and city["tracking_number"] not in seen
    both = {city["tracking_number"], district["tracking_number"]}
    assert both <= _numbers(ok(city_sup.get("/api/v1/supervision/cases", query_string=ALL)))  # the city and the district below
    assert both <= _numbers(ok(office.get("/api/v1/supervision/cases", query_string=ALL)))  # no region: everything

    exported = district_sup.get("/api/v1/supervision/cases.csv", query_string=ALL).get_data(as_text=True)
    assert district["tracking_number"] in exported and city["tracking_number"] not in exported
    by_region = ok(district_sup.get("/api/v1/statistics", query_string={"by": "region"}))
    assert {r["region_code"] for r in by_region} == {"340503"}


def test_a_district_supervisor_cannot_open_a_city_case(supervisors, two_cases):
    city, district = two_cases
    district_sup = supervisors["district_sup"]
    assert district_sup.get(f"/api/v1/cases/{city['case_id']}").status_code == 404
    assert district_sup.get(f"/api/v1/cases/{district['case_id']}").status_code == 200
    listed = {c["id"] for c in ok(district_sup.get("/api/v1/instances"))["items"]}
    assert district["case_id"] in listed and city["case_id"] not in listed
