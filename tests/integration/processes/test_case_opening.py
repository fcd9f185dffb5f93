"""Opening cases online and at the window: tracking numbers, receipts, the public progress view."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest

from engine.actors import Actor
from engine.calendar import CST
from engine.models import ProcessInstance
from processes import cases, corrections
from processes.case_errors import CaseInvalid, CaseNotAllowed
from processes.case_models import Case
from processes.cases import Applicant
from processes.receipts import is_valid_tracking_number, make_receipt
from support import case_kit
from support.case_kit import CLERK, ITEM, at, open_at_window, open_online, person_id, step
from support.engine_kit import assert_survives_restart, instance, one_ready, ready

BASE_URL = "https://zwfw.example.gov.cn"


@pytest.fixture
def env(db_engine):
    env = case_kit.make_env(db_engine)
    yield env
    env.close()


def test_an_online_case_gets_a_tracking_number_a_receipt_and_a_deadline_in_working_days(env):
    case_id = open_online(env, at(2026, 9, 28, 10))  # Monday before National Day
    with env.unit_of_work() as uow:
        case = cases.get_case(uow.session, case_id)
        receipt = make_receipt(uow.session, case_id, base_url=BASE_URL + "/")
        business_key = uow.session.get(ProcessInstance, case_id).business_key
    number = case["tracking_number"]
    assert number.startswith("SPJY0001-320505-20260928-00001") and is_valid_tracking_number(number)
    assert business_key == number  # worklists show the number
    assert [case[k] for k in ("channel", "applicant_user", "opened_by", "window")] == ["online", "zhang3", "zhang3",
                                                                                      None]
    assert case["applicant_id_masked"] == person_id(2)[:4] + "*" * 10 + person_id(2)[-4:]
    # 9/29, 9/30, (holidays 10/1-10/7), 10/8, 10/9, and the make-up Saturday 10/10.
    assert case["due_at"].astimezone(CST).isoformat() == "2026-10-10T23:59:59+08:00"
    assert receipt.progress_url == f"{BASE_URL}/progress/{number}?code={receipt.query_code}"
    assert len(receipt.query_code) == 10
    assert receipt.qr_png.startswith(b"\x89PNG\r\n\x1a\n")
    assert receipt.qr_svg.startswith(b"<svg") and f"<desc>{receipt.progress_url}</desc>".encode() in receipt.qr_svg
    assert one_ready(env, case_id, "accept")["business_key"] == number


def test_a_clerk_opens_a_case_on_the_applicants_behalf_at_their_own_window_only(env):
    case_id = open_at_window(env, at(2026, 9, 28))
    with env.unit_of_work() as uow:
        case = cases.get_case(uow.session, case_id)
    assert [case[k] for k in ("channel", "applicant_user", "opened_by", "window")] == ["window", "li4", "clerk1",
                                                                                      "window"]
    with pytest.raises(CaseNotAllowed):
        cases.open_case(env.unit_of_work(), item=ITEM, applicant=Applicant("li4", person_id(3)), channel="window",
                        window="window", actor=Actor.of("fire1", "fire"), now=at(2026, 9, 28),
                        data=case_kit.application("li4", 3))


def test_only_the_applicant_opens_their_own_online_case(env):
    with pytest.raises(CaseNotAllowed):
        cases.open_case(env.unit_of_work(), item=ITEM, applicant=Applicant("zhang3", person_id(2)),
                        channel="online", actor=Actor.of("wang5"), now=at(2026, 9, 28),
                        data=case_kit.application())
    with env.unit_of_work() as uow:
        assert uow.session.query(Case).count() == 0


def test_every_problem_with_an_opening_is_reported_at_once_and_nothing_is_stored(env):
    with pytest.raises(CaseInvalid) as refused:
        cases.open_case(env.unit_of_work(), item=replace(ITEM, promised_days=0),
                        applicant=Applicant("zhang3", "110105194912310021"), channel="window", window=None,
                        actor=CLERK, now=at(2026, 9, 28), data=case_kit.application())
    assert {e["pointer"] for e in refused.value.errors} == {"/window", "/applicant/id_number",
                                                            "/item/promised_days"}
    with env.unit_of_work() as uow:
        assert uow.session.query(Case).count() == 0
        assert uow.session.query(ProcessInstance).count() == 0


def test_tracking_numbers_stay_unique_when_many_cases_open_at_once(env):
    threads, per_thread, opened, failures = 6, 4, [], []

    def open_several(worker: int) -> None:
        try:
            for n in range(per_thread):
                opened.append(open_online(env, at(2026, 9, 28, 10), user=f"user{worker}", sequence=10 + n))
        except Exception as err:  # noqa: BLE001 - reported below
            failures.append(err)

    workers = [threading.Thread(target=open_several, args=(w,)) for w in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    with env.unit_of_work() as uow:
        numbers = [cases.get_case(uow.session, case_id)["tracking_number"] for case_id in opened]
    assert len(set(numbers)) == threads * per_thread
    assert sorted(int(n.split("-")[3][:-1]) for n in numbers) == list(range(1, threads * per_thread + 1))


def test_the_public_progress_view_shows_steps_and_deadlines_but_no_personal_data(env):
    case_id = open_online(env, at(2026, 9, 28, 10))
    corrections.request_correction(
        env.unit_of_work(), case_id, [{"kind": "field", "ref": "/mobile", "name": "手机号码", "problem": "无法接通"}],
        actor=CLERK, now=at(2026, 9, 28, 11), task_id=one_ready(env, case_id, "accept")["id"],
        data={"acceptance": "correct", "deficiencies": ["手机号码无法接通"]})
    with env.unit_of_work() as uow:
        tracking_number = cases.get_case(uow.session, case_id)["tracking_number"]
        code = uow.session.get(Case, case_id).query_code
        waiting = cases.public_progress(uow.session, tracking_number, query_code=code, now=at(2026, 9, 29))
    assert waiting["status"] == "awaiting_correction" and waiting["status_label"] == "待补正"
    corrections.resubmit(env.unit_of_work(), case_id, actor=Actor.of("zhang3"), now=at(2026, 9, 29),
                         data={"supplement": "已更换为 13900139000"})
    assert_survives_restart(env, case_id)
    step(env, case_id, "accept", {"acceptance": "accept"}, CLERK, at(2026, 9, 29))
    with env.unit_of_work() as uow:
        view = cases.public_progress(uow.session, tracking_number, query_code=code, now=at(2026, 9, 30))

    assert view["status"] == "in_progress"
    assert [s["step"] for s in view["steps_done"]] == ["窗口受理", "申请人补正", "窗口受理"]
    assert [s["step"] for s in view["current_steps"]] == ["部门会签", "部门会签"]
    assert all(s["due_at"] is not None for s in view["current_steps"])
    text = json.dumps(view, default=str, ensure_ascii=False)
    data = instance(env, case_id)["data"]
    personal = [data["applicant_name"], data["id_number"], data["id_number"][-4:], data["mobile"], "13900139000",
                "zhang3", "clerk1", "*" * 10]
    assert [p for p in personal if p in text] == []
    assert len(ready(env, case_id, "review")) == 2
