"""At acceptance: one-time correction notices that stop the clock, deficiencies, commitments, refusals."""

from __future__ import annotations

import pytest

from engine.actors import Actor
from engine.calendar import CST
from engine.errors import InvalidState
from processes import cases, commitments, corrections, refusals, supervision
from processes.case_errors import CaseInvalid, CaseNotAllowed, CaseStateError
from processes.deadlines import case_clock, load_calendar
from processes.case_models import Case
from support import case_kit
from support.case_kit import CLERK, at, open_online, step
from support.engine_kit import assert_survives_restart, instance, one_ready, ready

APPLICANT = Actor.of("zhang3")
ITEMS = [
    {"kind": "material", "ref": "M0001", "name": "营业执照复印件", "problem": "字迹不清",
     "requirement": "提交清晰复印件"},
    {"kind": "material", "ref": "M0003", "name": "场所平面图", "problem": "未提交"},
    {"kind": "field", "ref": "/mobile", "name": "手机号码", "problem": "无法接通"},
]


@pytest.fixture
def env(db_engine):
    env = case_kit.make_env(db_engine)
    yield env
    env.close()


def local(moment) -> str:
    return moment.astimezone(CST).isoformat()


def request(env, case_id, now, **kwargs):
    task = one_ready(env, case_id, "accept")
    return corrections.request_correction(
        env.unit_of_work(), case_id, ITEMS, actor=CLERK, now=now, task_id=task["id"],
        data={"acceptance": "correct", "deficiencies": [i["name"] for i in ITEMS]}, **kwargs)


def test_a_correction_round_stops_the_clock_and_moves_the_deadline_by_the_paused_working_days(env):
    case_id = open_online(env, at(2026, 9, 28, 10))
    with env.unit_of_work() as uow:
        assert local(uow.session.get(Case, case_id).due_at) == "2026-10-10T23:59:59+08:00"
    request(env, case_id, at(2026, 9, 28, 11))
    assert one_ready(env, case_id, "correct")["assignee"] == "zhang3"
    assert instance(env, case_id)["status"] == "running"  # the applicant works their own task

    with env.unit_of_work() as uow:
        [notice] = corrections.corrections_of(uow.session, case_id)
        paused = case_clock(uow.session, uow.session.get(Case, case_id), load_calendar(uow.session),
                            at(2026, 10, 9, 14))
    assert notice["items"] == ITEMS and notice["round"] == 1
    assert "一次性告知" in notice["notice_text"]
    assert all(item["name"] in notice["notice_text"] and item["problem"] in notice["notice_text"] for item in ITEMS)
    # Four working days went by (9/29, 9/30, 10/8, 10/9) but none of them count.
    assert (paused.paused, paused.used_days, paused.paused_days) == (True, 0, 4)
    assert paused.light(at(2026, 10, 9, 14), 0.8) == "green"

    days = corrections.resubmit(env.unit_of_work(), case_id, actor=APPLICANT, now=at(2026, 10, 9, 15),
                                data={"supplement": "已补交清晰复印件、平面图，手机号已更正"})
    assert days == 4
    assert_survives_restart(env, case_id)
    with env.unit_of_work() as uow:
        case = uow.session.get(Case, case_id)
        assert (case.paused_days, local(case.due_at)) == (4, "2026-10-15T23:59:59+08:00")  # 10/10 + 4 working days
        [notice] = corrections.corrections_of(uow.session, case_id)
    assert notice["paused_working_days"] == 4 and notice["resubmitted_at"] == at(2026, 10, 9, 15)
    assert one_ready(env, case_id, "accept")  # back at the window


def test_a_notice_lists_every_problem_and_is_issued_by_staff_once_at_a_time(env):
    case_id = open_online(env, at(2026, 9, 28, 10))
    with pytest.raises(CaseInvalid) as refused:
        corrections.request_correction(env.unit_of_work(), case_id, [{"kind": "paper", "name": ""}, "x"],
                                       actor=CLERK, now=at(2026, 9, 28, 11))
    assert {e["pointer"] for e in refused.value.errors} == {"/0/kind", "/0/name", "/0/problem", "/1"}
    with pytest.raises(CaseNotAllowed):
        corrections.request_correction(env.unit_of_work(), case_id, ITEMS, actor=APPLICANT, now=at(2026, 9, 28, 11))
    request(env, case_id, at(2026, 9, 28, 11))
    with pytest.raises(CaseStateError):
        corrections.request_correction(env.unit_of_work(), case_id, ITEMS, actor=CLERK, now=at(2026, 9, 28, 12))


def test_without_a_correction_step_the_instance_is_suspended_until_the_applicant_resubmits(env):
    case_id = open_online(env, at(2026, 9, 28, 10))
    corrections.request_correction(env.unit_of_work(), case_id, ITEMS[:1], actor=CLERK, now=at(2026, 9, 29, 10))
    assert instance(env, case_id)["status"] == "suspended"
    with pytest.raises(InvalidState):
        step(env, case_id, "accept", {"acceptance": "accept"}, CLERK, at(2026, 9, 29, 11))
    with pytest.raises(CaseNotAllowed):
        corrections.resubmit(env.unit_of_work(), case_id, actor=Actor.of("wang5"), now=at(2026, 9, 30))

    assert corrections.resubmit(env.unit_of_work(), case_id, actor=APPLICANT, now=at(2026, 10, 8, 9)) == 2
    assert instance(env, case_id)["status"] == "running"
    with env.unit_of_work() as uow:
        assert local(uow.session.get(Case, case_id).due_at) == "2026-10-13T23:59:59+08:00"
    step(env, case_id, "accept", {"acceptance": "accept"}, CLERK, at(2026, 10, 8, 10))
    assert len(ready(env, case_id, "review")) == 2


def test_refusing_to_accept_ends_the_case_with_a_notice_of_the_applicants_remedies(env):
    case_id = open_online(env, at(2026, 9, 28, 10))
    text = refusals.refuse_case(
        env.unit_of_work(), case_id, "申请事项不属于本机关职权范围", basis="《行政许可法》第三十二条第一款第（二）项",
        actor=CLERK, now=at(2026, 9, 28, 15), task_id=one_ready(env, case_id, "accept")["id"],
        data={"acceptance": "refuse", "reason": "不属于本机关职权范围"})
    assert "不予受理" in text and "申请事项不属于本机关职权范围" in text and "行政复议" in text
    assert instance(env, case_id)["status"] == "completed"  # the process's own "不予受理" end
    with env.unit_of_work() as uow:
        case = cases.get_case(uow.session, case_id)
        view = cases.public_progress(uow.session, case["tracking_number"],
                                     query_code=uow.session.get(Case, case_id).query_code, now=at(2026, 9, 29))
    assert (case["outcome"], case["closed_at"]) == ("not_accepted", at(2026, 9, 28, 15))
    assert view["status"] == "not_accepted"
    with pytest.raises(CaseStateError):
        refusals.refuse_case(env.unit_of_work(), case_id, "again", actor=CLERK, now=at(2026, 9, 29))


def test_refusing_a_case_waiting_for_corrections_cancels_its_instance(env):
    case_id = open_online(env, at(2026, 9, 28, 10))
    corrections.request_correction(env.unit_of_work(), case_id, ITEMS[:1], actor=CLERK, now=at(2026, 9, 28, 11))
    refusals.refuse_case(env.unit_of_work(), case_id, "逾期未补正", actor=CLERK, now=at(2026, 10, 30))
    assert instance(env, case_id)["status"] == "cancelled"
    with env.unit_of_work() as uow:
        assert cases.get_case(uow.session, case_id)["outcome"] == "not_accepted"
        assert corrections.corrections_of(uow.session, case_id)[0]["paused_working_days"] == 20


@pytest.mark.parametrize("grant", [commitments.accept_with_deficiencies, commitments.accept_on_commitment])
def test_missing_materials_accepted_on_a_promise_are_flagged_once_overdue(env, grant):
    case_id = open_online(env, at(2026, 9, 28, 10))
    promise_id = grant(env.unit_of_work(), case_id, ITEMS[1:2], days=3, actor=CLERK, now=at(2026, 9, 28, 11),
                       task_id=one_ready(env, case_id, "accept")["id"], data={"acceptance": "accept"})
    assert len(ready(env, case_id, "review")) == 2  # accepted: the case goes on
    with env.unit_of_work() as uow:
        [promise] = commitments.promises_of(uow.session, case_id, now=at(2026, 10, 8, 12))
    assert local(promise["due_at"]) == "2026-10-08T23:59:59+08:00"  # 9/29, 9/30, then 10/8
    assert "场所平面图" in promise["notice_text"] and not promise["overdue"]

    for now in (at(2026, 10, 8, 12), at(2026, 10, 9, 9), at(2026, 10, 9, 10)):
        supervision.mark_lights(env.unit_of_work(), case_id, now=now, yellow_share=0.8)
    with env.unit_of_work() as uow:
        flagged = [n for n in supervision.notices(uow.session) if n["subject"] == f"promise:{promise_id}"]
        [promise] = commitments.promises_of(uow.session, case_id, now=at(2026, 10, 9, 10))
    assert [(n["level"], n["department"]) for n in flagged] == [("red", "market")]
    assert promise["overdue"] and promise["flagged_at"] == at(2026, 10, 9, 9)
    commitments.fulfil_promise(env.unit_of_work(), promise_id, actor=CLERK, now=at(2026, 10, 9, 11))
    with env.unit_of_work() as uow:
        assert not commitments.promises_of(uow.session, case_id, now=at(2026, 10, 9, 12))[0]["overdue"]
