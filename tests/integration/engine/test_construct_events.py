"""BPMN events, one construct per test: start and end, timers, messages, signals, errors, escalations."""

from __future__ import annotations

import copy
import os
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from support.paths import DATA
from engine import events, queries
from engine.actors import Actor
from engine.errors import TaskNotReady
from engine.events import NoMatchingEvent
from engine.models import MessageSubscription, ProcessDefinition, TimerIndex
from support.engine_kit import (
    assert_survives_restart,
    complete,
    deploy_files,
    history,
    instance,
    one_ready,
    ready,
    start,
)

CONSTRUCTS = DATA / "engine" / "constructs"
OPERATOR = Actor.system("operator")
ON_SQLITE = not os.environ.get("YIWANG_TEST_DATABASE_URL")
CST = timezone(timedelta(hours=8))



def deployed(env, name: str) -> str:
    """Deploy ``constructs/<name>.bpmn``, whose one process is also called ``name``."""
    deploy_files(env, CONSTRUCTS / f"{name}.bpmn")
    return name


def deployed_file(env, filename: str, process_id: str) -> str:
    deploy_files(env, CONSTRUCTS / f"{filename}.bpmn")
    return process_id


def ready_elements(env, instance_id: str) -> list[str]:
    return sorted(t["element_id"] for t in ready(env, instance_id))


def fire_timers(env, instance_id: str) -> int:
    return events.expedite_timers(env.unit_of_work(), instance_id, actor=OPERATOR)


def send(env, name: str, payload: dict | None = None, **where) -> list[str]:
    return events.correlate_message(env.unit_of_work(), name, payload, **where)


def timers_due(env, instance_id: str) -> list[datetime]:
    with env.unit_of_work() as uow:
        return list(uow.session.scalars(select(TimerIndex.due_at).where(TimerIndex.instance_id == instance_id)))


def subscribed(env, instance_id: str) -> list[str]:
    with env.unit_of_work() as uow:
        return sorted(uow.session.scalars(
            select(MessageSubscription.message_name).where(MessageSubscription.instance_id == instance_id)))


def as_stored_before_listeners(stored: dict, event_subprocess: str) -> dict:
    """A definition's specs as SpiffWorkflow wired a message event subprocess: created on catch."""
    stored = copy.deepcopy(stored)
    specs = stored["spec"]["task_specs"]
    listener = specs[event_subprocess]
    del listener["interrupting"]
    listener.update(typename="SubWorkflowTask", inputs=[], outputs=[])
    specs["Start"]["outputs"].remove(event_subprocess)
    specs["Start"]["trigger_specs"] = [event_subprocess]
    end_join = specs[f"{stored['spec']['name']}.EndJoin"]
    end_join["inputs"].remove(event_subprocess)
    end_join["typename"] = "_EndJoin"
    return stored


def task_states(env, instance_id: str) -> dict[str, str]:
    """element id -> worklist state of every human task the case ever had (last one wins)."""
    with env.unit_of_work() as uow:
        tasks = queries.list_tasks(uow, queries.TaskFilter(state=None, instance_id=instance_id, limit=1000))
    return {t["element_id"]: t["state"] for t in tasks}


# -- start and end ----------------------------------------------------------
def test_a_case_runs_from_its_start_event_through_its_task_to_its_end_event(env):
    case = start(env, deployed(env, "start_end"), {"applicant": "zhang3"}, business_key="ZW-1")
    accept = one_ready(env, case, "accept")
    assert (accept["candidate_groups"], accept["form_key"], accept["business_key"]) == (
        ["window"], "acceptance", "ZW-1")
    assert_survives_restart(env, case)

    complete(env, accept, {"acceptance": "accept"})

    view = instance(env, case)
    assert view["status"] == "completed"
    assert view["ended_at"] is not None
    assert view["data"] == {"applicant": "zhang3", "acceptance": "accept"}
    assert [h["action"] for h in history(env, case)] == ["instance.started", "task.completed", "instance.completed"]
    assert history(env, case)[-1]["element_id"] == "done"


def test_a_terminate_end_event_ends_the_case_and_takes_back_the_parallel_review(env):
    case = start(env, deployed(env, "terminate_end"), {"applicant": "zhang3"})
    assert ready_elements(env, case) == ["review", "withdraw"]
    review = one_ready(env, case, "review")
    assert_survives_restart(env, case)

    complete(env, one_ready(env, case, "withdraw"), {"reason": "不再需要"})

    # Like Camunda, a terminate end event is a normal end of the case ("terminated" is for failures).
    view = instance(env, case)
    assert (view["status"], view["data"]["reason"]) == ("completed", "不再需要")
    assert ready(env, case) == []
    assert task_states(env, case) == {"review": "cancelled", "withdraw": "completed"}
    with pytest.raises(TaskNotReady):
        complete(env, review, {})


# -- timers ------------------------------------------------------------------
def test_a_timer_start_event_holds_the_case_until_the_timer_fires(env):
    case = start(env, deployed(env, "timer_start"))
    assert ready(env, case) == []
    assert len(timers_due(env, case)) == 1
    assert_survives_restart(env, case)

    assert fire_timers(env, case) == 1

    one_ready(env, case, "accept")
    assert timers_due(env, case) == []


def test_a_process_with_a_timer_start_event_is_started_by_the_scheduler_once_its_date_has_passed(env):
    deployed(env, "timer_start_date")
    env.dispatcher.run_scheduler_once()

    with env.unit_of_work() as uow:
        started = queries.list_instances(uow, process_id="timer_start_date")
    assert len(started) == 1
    assert_survives_restart(env, started[0]["id"])
    one_ready(env, started[0]["id"], "prepare")


@pytest.mark.parametrize("process_id", ["timer_duration", "timer_date", "timer_data_date"])
def test_an_intermediate_timer_holds_the_case_until_it_fires(env, process_id):
    case = start(env, deployed(env, process_id), {"deadline": "2031-06-30T17:00:00+08:00"})
    assert ready(env, case) == []
    assert len(timers_due(env, case)) == 1
    assert_survives_restart(env, case)

    assert fire_timers(env, case) == 1

    one_ready(env, case, "after")
    assert timers_due(env, case) == []
    assert "timers.expedited" in [h["action"] for h in history(env, case)]


@pytest.mark.parametrize(
    ("process_id", "expected_due"),
    [
        ("timer_start", timedelta(days=1)),
        ("timer_duration", timedelta(hours=2)),
        ("timer_date", datetime(2030, 1, 1, 9, 0, tzinfo=CST)),
        ("timer_data_date", datetime(2031, 6, 30, 17, 0, tzinfo=CST)),
    ],
)
def test_a_waiting_timer_is_indexed_at_the_instant_it_is_due(env, process_id, expected_due):
    before = datetime.now(timezone.utc)
    case = start(env, deployed(env, process_id), {"deadline": "2031-06-30T17:00:00+08:00"})
    assert_survives_restart(env, case)

    [due] = timers_due(env, case)

    if isinstance(expected_due, timedelta):
        assert before + expected_due <= due <= datetime.now(timezone.utc) + expected_due
    else:
        assert due == expected_due


@pytest.mark.parametrize("zone", [
    timezone.utc,
    CST,
], ids=["utc", "china"])
def test_a_due_timer_fires_from_the_scheduler_without_an_operator(env, zone):
    deadline = datetime.now(zone) + timedelta(seconds=0.8)
    case = start(env, deployed(env, "timer_data_date"), {"deadline": deadline.isoformat()})
    env.dispatcher.run_scheduler_once()
    assert ready(env, case) == []
    assert_survives_restart(env, case)

    time.sleep(max(0.0, (deadline - datetime.now(timezone.utc)).total_seconds()) + 0.05)
    env.dispatcher.run_scheduler_once()

    one_ready(env, case, "after")
    assert timers_due(env, case) == []


def test_an_interrupting_timer_boundary_takes_the_review_away_and_escalates(env):
    case = start(env, deployed(env, "timer_boundary_interrupting"))
    review = one_ready(env, case, "review")
    assert_survives_restart(env, case)

    assert fire_timers(env, case) == 1

    assert ready_elements(env, case) == ["escalate"]
    assert task_states(env, case)["review"] == "cancelled"
    with pytest.raises(TaskNotReady):
        complete(env, review, {})
    complete(env, one_ready(env, case, "escalate"))
    assert instance(env, case)["status"] == "completed"


def test_a_non_interrupting_timer_boundary_informs_the_lead_and_leaves_the_review_open(env):
    case = start(env, deployed(env, "timer_boundary_noninterrupting"))
    assert_survives_restart(env, case)

    assert fire_timers(env, case) == 1

    assert ready_elements(env, case) == ["inform_lead", "review"]
    assert_survives_restart(env, case)
    complete(env, one_ready(env, case, "review"))
    complete(env, one_ready(env, case, "inform_lead"))
    assert instance(env, case)["status"] == "completed"


def test_a_cycle_timer_boundary_reminds_as_often_as_it_repeats_and_no_more(env):
    case = start(env, deployed(env, "timer_boundary_cycle"))
    assert len(timers_due(env, case)) == 1

    fire_timers(env, case)
    assert ready_elements(env, case) == ["remind", "review"]
    assert_survives_restart(env, case)
    fire_timers(env, case)
    fire_timers(env, case)

    assert ready_elements(env, case) == ["remind", "remind", "review"]
    assert timers_due(env, case) == []
    for task in ready(env, case):
        complete(env, task)
    assert instance(env, case)["status"] == "completed"


def test_completing_the_review_stops_its_cycle_timer(env):
    case = start(env, deployed(env, "timer_boundary_cycle"))
    complete(env, one_ready(env, case, "review"))

    assert timers_due(env, case) == []
    assert instance(env, case)["status"] == "completed"
    assert_survives_restart(env, case)


# -- messages ----------------------------------------------------------------
def test_a_message_start_event_opens_a_case_holding_the_message_payload(env):
    deployed(env, "message_start")

    [case] = send(env, "application_submitted", {"applicant": "li4", "item": "营业执照"}, business_key="WS-7")

    assert_survives_restart(env, case)
    accept = one_ready(env, case, "accept")
    assert accept["business_key"] == "WS-7"
    view = instance(env, case)
    assert (view["business_key"], view["status"]) == ("WS-7", "running")
    assert view["data"] == {"applicant": "li4", "item": "营业执照"}
    assert history(env, case)[0]["details"]["message"] == "application_submitted"


def test_a_message_reaches_only_the_case_with_its_business_key(env):
    deployed(env, "message_catch")
    first, second = (start(env, "message_catch", business_key=key) for key in ("BK-1", "BK-2"))
    assert ready(env, first) == ready(env, second) == []
    assert_survives_restart(env, second)

    assert send(env, "fee_paid", {"amount": 120}, business_key="BK-2") == [second]

    assert ready(env, first) == []
    one_ready(env, second, "issue")
    assert instance(env, second)["data"]["amount"] == 120
    assert "amount" not in instance(env, first)["data"]


@pytest.mark.parametrize("where", [
    {"business_key": "BK-404"},
    {"correlations": {"case_key": {"case_no": "A-404"}}},
], ids=["business_key", "correlation"])
def test_a_message_no_case_waits_for_is_refused_and_changes_nothing(env, where):
    deploy_files(env, CONSTRUCTS / "message_catch.bpmn", CONSTRUCTS / "message_correlation.bpmn")
    waiting = [start(env, "message_catch", business_key="BK-1"),
               start(env, "message_correlation", {"case_no": "A-001"})]

    with pytest.raises(NoMatchingEvent):
        send(env, "fee_paid" if "business_key" in where else "payment_notice", {"amount": 1}, **where)

    for case in waiting:
        assert_survives_restart(env, case)
        assert ready(env, case) == []
        assert [h["action"] for h in history(env, case)] == ["instance.started"]


def test_a_message_reaches_only_the_case_whose_correlation_property_matches(env):
    deployed(env, "message_correlation")
    first, second = (start(env, "message_correlation", {"case_no": no}) for no in ("A-001", "A-002"))
    assert_survives_restart(env, first)

    caught = send(env, "payment_notice", {"case_no": "A-002", "amount": 80},
                  correlations={"case_key": {"case_no": "A-002"}})

    assert caught == [second]
    assert ready(env, first) == []
    one_ready(env, second, "issue")
    assert instance(env, second)["data"]["amount"] == 80
    assert_survives_restart(env, second)


def test_an_interrupting_message_boundary_withdraws_the_open_review(env):
    case = start(env, deployed(env, "message_boundary"), business_key="BK-3")
    review = one_ready(env, case, "review")
    assert_survives_restart(env, case)

    assert send(env, "application_withdrawn", {"reason": "重复申请"}, business_key="BK-3") == [case]

    assert ready_elements(env, case) == ["archive"]
    assert task_states(env, case)["review"] == "cancelled"
    with pytest.raises(TaskNotReady):
        complete(env, review, {})


# -- signals, errors, escalations ---------------------------------------------
def test_a_signal_thrown_in_one_branch_interrupts_the_review_in_the_other(env):
    case = start(env, deployed_file(env, "signal", "signal_boundary"), {"applicant": "zhang3"})
    assert ready_elements(env, case) == ["review", "withdraw"]
    assert_survives_restart(env, case)

    complete(env, one_ready(env, case, "withdraw"))

    assert ready_elements(env, case) == ["archive"]
    assert task_states(env, case)["review"] == "cancelled"


def test_a_signal_thrown_in_one_branch_releases_the_branch_waiting_for_it(env):
    case = start(env, deployed_file(env, "signal", "signal_catch"), {"applicant": "zhang3"})
    assert ready_elements(env, case) == ["pay"]
    assert_survives_restart(env, case)

    complete(env, one_ready(env, case, "pay"))

    assert ready_elements(env, case) == ["issue"]
    complete(env, one_ready(env, case, "issue"))
    assert instance(env, case)["status"] == "completed"



@pytest.mark.parametrize(("materials_complete", "next_step"), [(True, "issue"), (False, "correct")])
def test_an_error_end_event_in_a_subprocess_is_caught_by_the_boundary_on_it(env, materials_complete, next_step):
    case = start(env, deployed(env, "error_boundary"), {"applicant": "zhang3"})
    assert_survives_restart(env, case)

    complete(env, one_ready(env, case, "verify"), {"materials_complete": materials_complete})

    assert ready_elements(env, case) == [next_step]
    assert_survives_restart(env, case)
    complete(env, one_ready(env, case, next_step))
    assert instance(env, case)["status"] == "completed"


@pytest.mark.parametrize(
    ("process_id", "open_after_escalation"),
    [
        ("escalation_noninterrupting", ["consult_lead", "finish"]),
        ("escalation_interrupting", ["consult_lead"]),
    ],
)
def test_an_escalation_thrown_in_a_subprocess_reaches_the_boundary_on_it(env, process_id, open_after_escalation):
    case = start(env, deployed(env, process_id))
    assert_survives_restart(env, case)

    complete(env, one_ready(env, case, "examine"))

    assert ready_elements(env, case) == open_after_escalation
    assert_survives_restart(env, case)
    for task in ready(env, case):
        complete(env, task)
    assert instance(env, case)["status"] == "completed"


def test_a_message_event_subprocess_is_delivered_to_the_waiting_case_not_a_new_one(env):
    case = start(env, deployed(env, "event_subprocess"), business_key="BK-8")
    assert_survives_restart(env, case)

    assert send(env, "withdrawal_requested", {"reason": "撤回"}, business_key="BK-8") == [case]

    assert "confirm_withdrawal" in ready_elements(env, case)
    assert_survives_restart(env, case)
    with env.unit_of_work() as uow:
        assert [i["id"] for i in queries.list_instances(uow)] == [case]


def test_a_message_event_subprocess_interrupts_the_case_wherever_it_is(env):
    case = start(env, deployed(env, "event_subprocess"), business_key="BK-9")
    review = one_ready(env, case, "review")
    assert_survives_restart(env, case)

    assert send(env, "withdrawal_requested", {"reason": "撤回"}, business_key="BK-9") == [case]

    assert ready_elements(env, case) == ["confirm_withdrawal"]
    with pytest.raises(TaskNotReady):
        complete(env, review, {})
    assert_survives_restart(env, case)
    complete(env, one_ready(env, case, "confirm_withdrawal"))
    assert instance(env, case)["status"] == "completed"


def test_a_timer_event_subprocess_reminds_the_lead_wherever_the_case_is(env):
    case = start(env, deployed(env, "event_subprocess_timer"))
    assert ready_elements(env, case) == ["review"]
    assert_survives_restart(env, case)

    assert fire_timers(env, case) == 1

    assert ready_elements(env, case) == ["remind_lead", "review"]
    assert_survives_restart(env, case)
    for task in ready(env, case):
        complete(env, task)
    assert instance(env, case)["status"] == "completed"


def test_a_case_ends_with_its_main_flow_even_while_an_event_subprocess_waits(env):
    case = start(env, deployed(env, "event_subprocess_timer"))
    assert_survives_restart(env, case)

    complete(env, one_ready(env, case, "review"))

    assert instance(env, case)["status"] == "completed"
    assert timers_due(env, case) == []


def test_a_case_ends_with_its_main_flow_and_stops_listening_for_its_event_subprocesses(env):
    case = start(env, deployed(env, "event_subprocess_overdue"), business_key="BK-10")
    assert (len(timers_due(env, case)), subscribed(env, case)) == (1, ["withdrawal_requested"])
    assert_survives_restart(env, case)

    complete(env, one_ready(env, case, "review"))

    assert instance(env, case)["status"] == "completed"
    assert (timers_due(env, case), subscribed(env, case)) == ([], [])
    with pytest.raises(NoMatchingEvent):
        send(env, "withdrawal_requested", business_key="BK-10")
    assert [h["action"] for h in history(env, case)] == ["instance.started", "task.completed", "instance.completed"]


def test_an_interruption_takes_the_work_off_the_queue_stops_the_other_events_and_is_in_the_history(env):
    case = start(env, deployed(env, "event_subprocess_overdue"), business_key="BK-11")
    review = one_ready(env, case, "review")

    send(env, "withdrawal_requested", {"reason": "撤回"}, business_key="BK-11")

    assert ready_elements(env, case) == ["confirm_withdrawal"]
    assert task_states(env, case) == {"review": "cancelled", "confirm_withdrawal": "ready"}
    with pytest.raises(TaskNotReady):
        complete(env, review, {})
    assert (timers_due(env, case), subscribed(env, case)) == ([], [])
    *_, received, interrupted = history(env, case)
    assert received["action"] == "message.received"
    assert (interrupted["action"], interrupted["element_id"], interrupted["details"]) == (
        "event_subprocess.started", "on_withdrawal",
        {"start_event": "withdrawal_requested", "interrupting": True, "cancelled": ["review"]})
    assert_survives_restart(env, case)

    complete(env, one_ready(env, case, "confirm_withdrawal"))

    assert instance(env, case)["status"] == "completed"
    assert [h["action"] for h in history(env, case)].count("event_subprocess.started") == 1


def test_an_interrupting_timer_event_subprocess_closes_the_overdue_case_wherever_it_is(env):
    case = start(env, deployed(env, "event_subprocess_overdue"), business_key="BK-12")
    assert_survives_restart(env, case)

    assert fire_timers(env, case) == 1

    assert ready_elements(env, case) == ["close_overdue"]
    assert task_states(env, case)["review"] == "cancelled"
    assert subscribed(env, case) == []
    assert history(env, case)[-1]["details"]["cancelled"] == ["review"]
    assert_survives_restart(env, case)
    complete(env, one_ready(env, case, "close_overdue"))
    assert instance(env, case)["status"] == "completed"


def test_a_non_interrupting_message_event_subprocess_runs_alongside_as_often_as_it_is_sent(env):
    case = start(env, deployed(env, "event_subprocess_noninterrupting"), business_key="BK-13")
    assert_survives_restart(env, case)

    for note in ("补充身份证复印件", "更正联系电话"):
        assert send(env, "note_added", {"note": note}, business_key="BK-13") == [case]

    assert ready_elements(env, case) == ["read_note", "read_note", "review"]
    assert subscribed(env, case) == ["note_added"]
    started = [h["details"] for h in history(env, case) if h["action"] == "event_subprocess.started"]
    assert started == [{"start_event": "note_added", "interrupting": False, "cancelled": []}] * 2
    assert_survives_restart(env, case)
    complete(env, one_ready(env, case, "review"))
    assert instance(env, case)["status"] == "running"
    for task in ready(env, case):
        complete(env, task)
    assert instance(env, case)["status"] == "completed"
    assert subscribed(env, case) == []


def test_a_started_non_interrupting_event_subprocess_keeps_the_case_open_until_it_ends(env):
    case = start(env, deployed(env, "event_subprocess_timer"))
    fire_timers(env, case)

    complete(env, one_ready(env, case, "review"))

    assert (instance(env, case)["status"], ready_elements(env, case)) == ("running", ["remind_lead"])
    assert timers_due(env, case) == []
    assert_survives_restart(env, case)
    complete(env, one_ready(env, case, "remind_lead"))
    assert instance(env, case)["status"] == "completed"


@pytest.mark.parametrize(("replaced", "worked"), [(False, "examine"), (True, "register_replacement")])
def test_an_event_subprocess_in_a_subprocess_interrupts_only_that_subprocess(env, replaced, worked):
    case = start(env, deployed(env, "event_subprocess_nested"), business_key="BK-17")
    assert_survives_restart(env, case)

    if replaced:
        assert send(env, "materials_replaced", business_key="BK-17") == [case]
        assert task_states(env, case) == {"examine": "cancelled", "register_replacement": "ready"}
        assert_survives_restart(env, case)
    complete(env, one_ready(env, case, worked))

    assert ready_elements(env, case) == ["decide"]
    assert subscribed(env, case) == []
    complete(env, one_ready(env, case, "decide"))
    assert instance(env, case)["status"] == "completed"


def test_a_withdrawal_in_one_case_leaves_later_cases_of_the_process_alone(env):
    withdrawn = start(env, deployed(env, "event_subprocess"), business_key="BK-14")
    assert send(env, "withdrawal_requested", business_key="BK-14") == [withdrawn]

    later = start(env, "event_subprocess", business_key="BK-15")

    assert ready_elements(env, later) == ["review"]
    complete(env, one_ready(env, later, "review"))
    assert instance(env, later)["status"] == "completed"


def test_a_case_of_a_definition_stored_before_event_subprocesses_listened_still_runs(env):
    """Definitions are immutable: one deployed with SpiffWorkflow's own wiring keeps it."""
    deployed(env, "event_subprocess")
    with env.unit_of_work() as uow:
        definition = uow.session.scalars(select(ProcessDefinition)).one()
        definition.spec = as_stored_before_listeners(definition.spec, "on_withdrawal")
        uow.commit()
    case = start(env, "event_subprocess", business_key="BK-16")
    assert_survives_restart(env, case)

    assert send(env, "withdrawal_requested", business_key="BK-16") == [case]

    assert ready_elements(env, case) == ["confirm_withdrawal", "review"]
    assert_survives_restart(env, case)


def test_a_signal_from_outside_reaches_every_case_waiting_for_it(env):
    deployed(env, "signal_external")
    waiting = [start(env, "signal_external") for _ in range(2)]
    other = start(env, deployed_file(env, "signal", "signal_catch"), {"applicant": "zhang3"})
    assert_survives_restart(env, waiting[0])

    caught = events.throw_signal(env.unit_of_work(), "fee_schedule_published", {"fee": 80})

    assert sorted(caught) == sorted(waiting)
    for case in waiting:
        assert ready_elements(env, case) == ["issue"]
        assert_survives_restart(env, case)
    assert ready_elements(env, other) == ["pay"]
    assert events.throw_signal(env.unit_of_work(), "fee_schedule_published") == []
