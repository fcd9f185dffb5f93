"""The calendar as data: a year's holiday notice loaded or corrected moves every deadline it touches at once.

The notice file used here is made up for the tests (tests/data/calendar/); no real
notice's dates are shipped.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from engine import task_index, task_lights
from engine.actors import Actor
from engine.calendar import CST
from engine.models import WorkTask, WorkTaskCandidate
from processes import holiday_calendar
from processes.case_errors import CaseInvalid
from processes.case_models import Case
from processes.cases import get_case
from processes.deadlines import load_calendar
from support import case_kit
from support.case_kit import ITEM, at, open_online
from support.paths import DATA

NOTICE_2027 = (DATA / "calendar" / "notice-2027-made-up.csv").read_text(encoding="utf-8")
ADMIN = Actor.of("admin1", "admin")
LONG_ITEM = replace(ITEM, promised_days=30)


@pytest.fixture
def env(db_engine):
    env = case_kit.make_env(db_engine)
    yield env
    env.close()


@pytest.fixture
def engine_clock(monkeypatch):
    """The moment the engine opens and closes steps (China Standard Time), set by the test."""
    moment = {"now": at(2026, 12, 31, 10)}
    monkeypatch.setattr(task_index, "utcnow", lambda: moment["now"].astimezone(timezone.utc))
    return moment


def day(value: datetime) -> date:
    return value.astimezone(CST).date()


def case_due(env, case_id: str) -> tuple[date, bool]:
    with env.unit_of_work() as uow:
        view = get_case(uow.session, case_id)
    return day(view["due_at"]), view["due_provisional"]


def accept_step(env, case_id: str) -> tuple[date, date]:
    """The window's step: its deadline, and the deadline its worklist row sorts by."""
    with env.unit_of_work() as uow:
        task = uow.session.scalars(select(WorkTask).where(WorkTask.instance_id == case_id,
                                                          WorkTask.element_id == "accept")).one()
        sort = uow.session.scalar(select(WorkTaskCandidate.due_sort).where(WorkTaskCandidate.task_id == task.id))
        return day(task.due_at), day(sort)


def load(env, text: str = NOTICE_2027, **kwargs):
    return holiday_calendar.import_calendar(env.unit_of_work(), text, actor=ADMIN, now=at(2026, 12, 31, 11),
                                            **kwargs)


def test_a_deadline_across_new_year_is_provisional_until_the_year_is_loaded_and_then_moves_at_once(
        env, engine_clock):
    case_id = open_online(env, at(2026, 12, 28, 10), item=LONG_ITEM)
    # Without 2027's notice: the statutory holidays alone (元旦, 除夕-初三), marked provisional.
    assert case_due(env, case_id) == (date(2027, 2, 11), True)
    assert accept_step(env, case_id) == (date(2027, 1, 4), date(2027, 1, 4))  # opened on 12/31, 1 working day

    report = load(env)

    assert (report.years, report.national_days, report.local_days) == ([2027], 22, 0)
    assert (report.cases_moved, report.steps_moved) == (1, 0)
    # The notice's bridging days (2/9-2/12) are days off: the case's deadline moves at once, no sweep needed.
    assert case_due(env, case_id) == (date(2027, 2, 17), False)
    with env.unit_of_work() as uow:
        assert uow.session.get(Case, case_id).due_at.astimezone(CST).date() == date(2027, 2, 17)


def test_correcting_a_loaded_year_moves_case_and_step_deadlines_and_the_light_counts_follow(env, engine_clock):
    load(env)
    case_id = open_online(env, at(2026, 12, 31, 10), item=ITEM)
    assert case_due(env, case_id) == (date(2027, 1, 8), False)
    assert accept_step(env, case_id) == (date(2027, 1, 4), date(2027, 1, 4))

    corrected = NOTICE_2027.replace("2027-01-01,holiday,元旦,测试用通知〔2026〕1号",
                                    "2027-01-01,holiday,元旦,测试用通知〔2026〕2号\n"
                                    "2027-01-04,holiday,元旦,测试用通知〔2026〕2号")
    report = load(env, corrected)

    assert (report.cases_moved, report.steps_moved) == (1, 1)
    assert case_due(env, case_id) == (date(2027, 1, 11), False)
    assert accept_step(env, case_id) == (date(2027, 1, 5), date(2027, 1, 5))
    with env.unit_of_work() as uow:
        assert uow.session.get(holiday_calendar.CalendarYear, 2027).notice == "测试用通知〔2026〕2号；测试用通知〔2026〕1号"
        # The window's queue counts its one open task once, under its new deadline: red after 1/5, not 1/4.
        counts = task_lights.counts_by_light(uow, "window", yellow_share=0.8, now=at(2027, 1, 5, 12),
                                             calendar=load_calendar(uow.session))
        assert counts == {"green": 0, "yellow": 1, "red": 0}
        task_lights.compact(uow)
        uow.commit()
    with env.unit_of_work() as uow:
        later = task_lights.counts_by_light(uow, "window", yellow_share=0.8, now=at(2027, 1, 6, 9),
                                            calendar=load_calendar(uow.session))
    assert later == {"green": 0, "yellow": 0, "red": 1}


def test_a_dry_run_reports_what_would_move_and_stores_nothing(env, engine_clock):
    case_id = open_online(env, at(2026, 12, 28, 10), item=LONG_ITEM)
    report = load(env, dry_run=True)
    assert (report.dry_run, report.cases_moved) == (True, 1)
    assert case_due(env, case_id) == (date(2027, 2, 11), True)
    with env.unit_of_work() as uow:
        assert holiday_calendar.calendar_status(uow.session, now=at(2026, 12, 31))["years"][-1]["source"] == "statutory"


def test_a_bad_file_is_refused_line_by_line_in_chinese_and_nothing_changes(env):
    bad = "\n".join(["date,kind,name,notice",
                     "2027-02-30,holiday,春节,测试用通知",
                     "2027-02-09,holiday,春节,",
                     "2027-02-10,vacation,春节,测试用通知",
                     "2027-02-17,workday,调休,测试用通知",  # a Wednesday
                     "2027-02-11,holiday,春节",
                     "2027-02-12,放假,春节,测试用通知",
                     "2027-02-12,holiday,春节,测试用通知"])
    with pytest.raises(CaseInvalid) as refused:
        load(env, bad)
    assert [(e["line"], e["message"]) for e in refused.value.errors] == [
        (2, "第 2 行：“2027-02-30”不是有效日期（格式：2027-01-01）"),
        (3, "第 3 行：2027-02-09 缺少出处（发布的通知文号）"),
        (4, "第 4 行：类型“vacation”无效，应为 holiday/放假、workday/上班、closure/闭馆 或 local_workday/本地上班"),
        (5, "第 5 行：2027-02-17 是工作日（周三），调休上班日应为周六或周日"),
        (6, "第 6 行：应有 4 列（日期,类型,名称,通知），实际 3 列"),
        (8, "第 8 行：2027-02-12 与第 7 行重复"),
    ]
    with env.unit_of_work() as uow:
        assert holiday_calendar.calendar_days(uow.session, 2027)[0]["source"] == "statutory"


def test_a_notice_missing_a_statutory_holiday_is_loaded_with_a_warning():
    lines, warnings = holiday_calendar.parse_calendar_file(
        NOTICE_2027.replace("2027-06-09,holiday,端午节,测试用通知〔2026〕1号\n", ""))
    assert len(lines) == 21
    assert [w["message"] for w in warnings] == ["2027-06-09（端午节）是法定节假日，但文件中未列为放假，请核对通知"]


def test_administrators_are_warned_from_1_november_about_next_years_notice(env):
    with env.unit_of_work() as uow:
        assert holiday_calendar.calendar_status(uow.session, now=at(2026, 10, 31))["warnings"] == []
        [warning] = holiday_calendar.calendar_status(uow.session, now=at(2026, 11, 1))["warnings"]
    assert (warning["year"], warning["code"]) == (2027, "notice-missing")
    assert warning["message"].startswith("2027 年节假日安排通知尚未导入")
    load(env)
    with env.unit_of_work() as uow:
        status = holiday_calendar.calendar_status(uow.session, now=at(2026, 11, 1))
    assert status["warnings"] == []
    assert [(y["year"], y["source"], y["provisional"]) for y in status["years"]] == [
        (2025, "library", False), (2026, "library", False), (2027, "notice", False)]


def test_local_days_sit_beside_a_loaded_notice_and_a_year_can_be_unloaded(env):
    load(env)
    holiday_calendar.set_local_day(env.unit_of_work(), date(2027, 2, 20), "closure", actor=ADMIN,
                                   name="暴雪停止办公", notice="市政府通知〔2027〕3号", now=at(2027, 2, 19))
    with env.unit_of_work() as uow:
        days = {(d["day"], d["scope"]): d for d in holiday_calendar.calendar_days(uow.session, 2027)}
        assert days[(date(2027, 2, 20), "national")]["kind"] == "workday"
        assert (days[(date(2027, 2, 20), "local")]["kind"], days[(date(2027, 2, 20), "local")]["source"]) == (
            "closure", "local")
        assert not load_calendar(uow.session).is_working_day(date(2027, 2, 20))
    holiday_calendar.unload_year(env.unit_of_work(), 2027, now=at(2027, 2, 19))
    with env.unit_of_work() as uow:
        days = holiday_calendar.calendar_days(uow.session, 2027)
    assert {d["source"] for d in days} == {"statutory", "local"}
