"""Electronic supervision: lights on the working-day calendar, the idempotent job, queries and CSV."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine.actors import Actor
from engine.calendar import CST
from processes import supervision
from processes.holiday_calendar import calendar_days, clear_local_day, set_local_day
from support import case_kit
from support.case_kit import at, open_at_window, open_online
from support.engine_kit import one_ready

ADMIN = Actor.of("admin1", "admin")


@pytest.fixture
def env(db_engine):
    env = case_kit.make_env(db_engine)
    yield env
    env.close()


def light(env, case_id, now) -> str:
    return supervision.mark_lights(env.unit_of_work(), case_id, now=now, yellow_share=0.8)


def case_notices(env, case_id):
    with env.unit_of_work() as uow:
        return [(n["subject"], n["level"]) for n in supervision.notices(uow.session) if n["case_id"] == case_id]


def test_an_overdue_case_turns_red_on_the_working_day_calendar_across_national_day(env):
    case_id = open_online(env, at(2026, 9, 28, 10))  # 5 working days: due at the end of Saturday 10/10
    # A Monday-to-Friday count would be 7 days in by 10/7; the holiday week does not count.
    assert light(env, case_id, at(2026, 10, 7, 12)) == "green"
    assert light(env, case_id, at(2026, 10, 9, 10)) == "yellow"  # 4 of 5 used: 9/29, 9/30, 10/8, 10/9
    assert light(env, case_id, at(2026, 10, 10, 20)) == "yellow"  # the make-up Saturday is still in time

    for _ in range(2):  # the sweep's jobs run inline; twice changes nothing more
        assert supervision.schedule_sweep(env.unit_of_work(), yellow_share=0.8, now=at(2026, 10, 11, 9)) == 1
    assert case_notices(env, case_id) == [("case", "yellow"), ("case", "red")]

    with env.unit_of_work() as uow:
        red = supervision.supervised_cases(uow.session, light="red", department="market", region_code="320505",
                                           item_code="SPJY0001")
        csv_text = supervision.supervised_cases_csv(uow.session, light="red")
        assert supervision.supervised_cases(uow.session, light="green") == []
    assert [(r["light"], r["light_at"]) for r in red] == [("red", at(2026, 10, 11, 9))]
    header, row = csv_text.splitlines()
    assert header.startswith("tracking_number,item_code,item_name,department,region_code,channel,opened_at")
    assert row.startswith(f"{red[0]['tracking_number']},SPJY0001,食品经营许可,market,320505,online,"
                          "2026-09-28 10:00:00,5,0,2026-10-10 23:59:59,red,2026-10-11 09:00:00")


def test_a_local_holiday_set_by_an_administrator_moves_deadlines(env):
    set_local_day(env.unit_of_work(), date(2026, 10, 9), "closure", actor=ADMIN, name="台风停工",
                  now=at(2026, 9, 1, 9))
    case_id = open_online(env, at(2026, 9, 28, 10))
    assert light(env, case_id, at(2026, 10, 11, 9)) == "yellow"  # due moved to Monday 10/12
    clear_local_day(env.unit_of_work(), date(2026, 10, 9), now=at(2026, 10, 11, 9))
    with env.unit_of_work() as uow:
        assert [d for d in calendar_days(uow.session, 2026) if d["scope"] == "local"] == []
    assert light(env, case_id, at(2026, 10, 11, 9)) == "red"


def test_a_step_past_its_own_limit_is_flagged_to_its_group(env):
    case_id = open_at_window(env, at(2026, 9, 28, 10))
    accept = one_ready(env, case_id, "accept")  # yw:timeLimit="1": due at the end of the next working day
    day_after = (accept["due_at"] + timedelta(days=1)).astimezone(CST)
    light(env, case_id, day_after)
    with env.unit_of_work() as uow:
        [flag] = [n for n in supervision.notices(uow.session) if n["subject"] == f"task:{accept['id']}"]
        supervision.acknowledge_notice(env.unit_of_work(), flag["id"], actor=Actor.of("chief1"), now=day_after)
    assert (flag["level"], flag["element_id"], flag["department"]) == ("red", "accept", "window")
    with env.unit_of_work() as uow:
        assert flag["id"] not in {n["id"] for n in supervision.notices(uow.session)}
