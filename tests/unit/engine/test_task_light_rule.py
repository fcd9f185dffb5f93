"""The light of a (creation day, deadline) key: the rule supervision applies to a step."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from engine import task_lights
from engine.calendar import CST, WorkingCalendar
from engine.models import NO_DEADLINE

SHARE = 0.5
MONDAY = date(2026, 3, 2)  # a week without public holidays


def at(day: int, hour: int = 10) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day), time(hour), CST)


def end_of(day: int) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day), time(23, 59, 59), CST)


@pytest.mark.parametrize(("created_day", "due_day", "today", "light"), [
    (0, 3, 0, "green"),  # nothing used yet
    (0, 4, 2, "yellow"),  # half of four working days used
    (0, 4, 1, "green"),
    (0, 4, 5, "red"),  # past the end of the last working day
])
def test_a_key_shows_the_light_supervision_would(created_day, due_day, today, light):
    key = task_lights.key_of(MONDAY + timedelta(days=created_day), end_of(due_day), 2)
    counts = task_lights.lights_of([key], now=at(today), yellow_share=SHARE, calendar=WorkingCalendar())
    assert counts == {**dict.fromkeys(task_lights.LIGHTS, 0), light: 2}


def test_the_weekend_does_not_count_towards_the_share_used():
    key = task_lights.key_of(MONDAY, end_of(7), 1)  # due next Monday: 5 working days
    # Thursday: 3 of 5 working days used (0.6), though only 3 of 7 calendar days (0.43)
    assert task_lights.lights_of([key], now=at(3), yellow_share=0.55, calendar=WorkingCalendar())["yellow"] == 1


def test_a_task_without_a_deadline_stays_green_and_several_keys_add_up():
    keys = [task_lights.key_of(MONDAY, NO_DEADLINE, 3), task_lights.key_of(MONDAY, end_of(1), 4),
            task_lights.key_of(MONDAY, end_of(4), 5)]
    assert task_lights.lights_of(keys, now=at(3), yellow_share=SHARE, calendar=WorkingCalendar()) == {
        "green": 3, "yellow": 5, "red": 4}


def test_a_local_day_off_moves_a_key_back_to_green():
    key = task_lights.key_of(MONDAY, end_of(4), 1)  # Friday's end; on Wednesday 2 of 4 days are used
    day_off = WorkingCalendar({MONDAY + timedelta(days=2): False})  # Wednesday declared a local holiday
    assert task_lights.lights_of([key], now=at(2), yellow_share=SHARE, calendar=WorkingCalendar())["yellow"] == 1
    assert task_lights.lights_of([key], now=at(2), yellow_share=SHARE, calendar=day_off)["green"] == 1
