"""Statistics over a handful of cases with known dates: counts, on-time rate, durations, CSV."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.actors import Actor
from processes import corrections, ratings, refusals
from processes.statistics import case_statistics, statistics_csv
from support import case_kit
from support.case_kit import CLERK, ITEM, approve, at, finish, open_at_window, open_online
from support.engine_kit import one_ready

REGISTRATION = replace(ITEM, code="GTJY0002", name="个体工商户登记", department="registry", region_code="320506")


@pytest.fixture
def env(db_engine):
    env = case_kit.make_env(db_engine)
    open_four_cases(env)
    yield env
    env.close()


def open_four_cases(env) -> None:
    """A on time; B late after a 4-day correction; C refused; D still open."""
    a = open_online(env, at(2026, 9, 28, 10))
    approve(env, a, at(2026, 10, 8, 10))
    finish(env, a, at(2026, 10, 9, 17))  # 4 working days: 9/29, 9/30, 10/8, 10/9; due 10/10
    ratings.rate_case(env.unit_of_work(), a, 5, actor=Actor.of("zhang3"), now=at(2026, 10, 10))

    b = open_at_window(env, at(2026, 9, 28, 10))
    corrections.request_correction(
        env.unit_of_work(), b, [{"kind": "material", "name": "场所平面图", "problem": "未提交"}], actor=CLERK,
        now=at(2026, 9, 28, 11), task_id=one_ready(env, b, "accept")["id"],
        data={"acceptance": "correct", "deficiencies": ["场所平面图"]})
    corrections.resubmit(env.unit_of_work(), b, actor=Actor.of("li4"), now=at(2026, 10, 9, 15),
                         data={"supplement": "平面图"})  # 4 working days paused: due 10/15
    approve(env, b, at(2026, 10, 15, 10))
    finish(env, b, at(2026, 10, 16, 10))  # 10 working days since opening, 6 of them counted: late
    ratings.rate_case(env.unit_of_work(), b, 2, "等待时间长", actor=Actor.of("li4"), now=at(2026, 10, 16, 11))

    c = open_online(env, at(2026, 10, 12, 9), user="wang5", sequence=5, item=REGISTRATION)
    refusals.refuse_case(env.unit_of_work(), c, "不属于本机关职权范围", actor=CLERK, now=at(2026, 10, 12, 11),
                         task_id=one_ready(env, c, "accept")["id"], data={"acceptance": "refuse"})

    open_online(env, at(2026, 10, 12, 9, 30), user="zhao6", sequence=6, channel="self_service")


def stats(env, **kwargs):
    with env.unit_of_work() as uow:
        return case_statistics(uow.session, **kwargs)


def test_statistics_by_item_count_on_time_rate_durations_online_share_and_ratings(env):
    by_item = {row["item_code"]: row for row in stats(env, by=["item"])}
    assert by_item["SPJY0001"] == {
        "item_code": "SPJY0001", "cases": 3, "online": 1, "online_share": 1 / 3, "closed": 2, "decided": 2,
        "on_time": 1, "on_time_rate": 0.5, "duration_p50": 4, "duration_p90": 6, "duration_max": 6,
        "rated": 2, "rating_avg": 3.5, "poor_ratings": 1,
    }
    assert by_item["GTJY0002"]["decided"] == 0 and by_item["GTJY0002"]["on_time_rate"] is None


@pytest.mark.parametrize(("by", "expected"), [
    (["month"], {("2026-09",): 2, ("2026-10",): 2}),
    (["channel"], {("online",): 2, ("self_service",): 1, ("window",): 1}),
    (["department", "region"], {("market", "320505"): 3, ("registry", "320506"): 1}),
    ([], {(): 4}),
])
def test_cases_are_counted_by_any_grouping(env, by, expected):
    keys = {"month": "month", "channel": "channel", "department": "department", "region": "region_code"}
    assert {tuple(row[keys[d]] for d in by): row["cases"] for row in stats(env, by=by)} == expected


def test_a_period_counts_the_cases_opened_in_it(env):
    [october] = stats(env, opened_from=at(2026, 10, 1, 0), opened_to=at(2026, 11, 1, 0))
    assert (october["cases"], october["online"], october["closed"], october["decided"]) == (2, 1, 1, 0)


def test_the_csv_export_has_a_header_and_one_line_per_group(env):
    with env.unit_of_work() as uow:
        text = statistics_csv(uow.session, by=["item"])
    assert text.splitlines() == [
        "item_code,cases,online,online_share,closed,decided,on_time,on_time_rate,duration_p50,duration_p90,"
        "duration_max,rated,rating_avg,poor_ratings",
        "GTJY0002,1,1,1,1,0,0,,,,,0,,0",
        "SPJY0001,3,1,0.3333,2,2,1,0.5,4,6,6,2,3.5,1",
    ]
