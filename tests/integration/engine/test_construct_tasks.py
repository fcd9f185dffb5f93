"""BPMN tasks, one construct per test: user, manual, service, script and business rule tasks,
and what people do with tasks and cases (claim, unclaim, suspend, resume, cancel)."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from uuid import uuid4

import pytest

from support.paths import DATA
from engine import jobs, queries, runtime
from engine.actors import Actor
from engine.calendar import WorkingCalendar
from engine.errors import DeployRejected, InvalidState, NotAllowed, TaskNotReady
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
CLERK_1, CLERK_2 = Actor.of("clerk1", "window"), Actor.of("clerk2", "window")
ON_SQLITE = not os.environ.get("YIWANG_TEST_DATABASE_URL")



def deployed(env, name: str, *extra: str) -> str:
    deploy_files(env, CONSTRUCTS / f"{name}.bpmn", *(CONSTRUCTS / e for e in extra))
    return name


def actions(env, instance_id: str) -> list[str]:
    return [h["action"] for h in history(env, instance_id)]


def open_incidents(env, instance_id: str) -> list[dict]:
    with env.unit_of_work() as uow:
        return queries.list_incidents(uow, instance_id=instance_id)


def all_incidents(env, instance_id: str) -> list[dict]:
    with env.unit_of_work() as uow:
        return queries.list_incidents(uow, status=None, instance_id=instance_id)


def visible_to(env, actor: Actor) -> list[str]:
    with env.unit_of_work() as uow:
        return [t["element_id"] for t in queries.list_tasks(uow, queries.TaskFilter(visible_to=actor))]


def line_of(path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# -- user and manual tasks ---------------------------------------------------------
def test_a_user_task_is_offered_to_its_groups_with_its_form_and_time_limit(env):
    case = start(env, deployed(env, "user_task"), {"applicant": "zhang3"})

    accept = one_ready(env, case, "accept")
    assert (accept["kind"], accept["name"], accept["candidate_groups"], accept["form_key"]) == (
        "user", "窗口受理", ["window", "intake"], "acceptance")
    assert accept["assignee"] is None
    assert accept["due_at"] is not None
    assert visible_to(env, Actor.of("clerk9", "intake")) == ["accept"]
    assert visible_to(env, Actor.of("fire1", "fire")) == []
    assert_survives_restart(env, case)

    complete(env, accept, {"acceptance": "accept"}, CLERK_1)

    sign = one_ready(env, case, "sign")
    assert (sign["assignee"], sign["candidate_groups"]) == ("zhang3", [])
    with pytest.raises(NotAllowed):
        complete(env, sign, {}, Actor.of("li4"))
    complete(env, sign, {"signed": True}, Actor.of("zhang3"))
    view = instance(env, case)
    assert view["status"] == "completed"
    assert view["data"] == {"applicant": "zhang3", "acceptance": "accept", "signed": True}
    assert [h["actor"] for h in history(env, case) if h["action"] == "task.completed"] == ["clerk1", "zhang3"]


def test_a_user_task_is_due_at_the_end_of_its_last_working_day(env):
    before = datetime.now(timezone.utc)
    case = start(env, deployed(env, "user_task"), {"applicant": "zhang3"})
    after = datetime.now(timezone.utc)
    assert_survives_restart(env, case)

    due = one_ready(env, case, "accept")["due_at"]

    calendar = WorkingCalendar()
    assert due in {calendar.add_working_days(before, 2), calendar.add_working_days(after, 2)}


def test_a_manual_task_waits_for_someone_to_confirm_it_was_done(env):
    case = start(env, deployed(env, "manual_task"))

    hand_over = one_ready(env, case, "hand_over")
    assert (hand_over["kind"], hand_over["candidate_groups"]) == ("manual", ["window"])
    assert_survives_restart(env, case)
    complete(env, hand_over, {"handed_over_to": "zhang3"}, CLERK_1)

    assert instance(env, case)["status"] == "completed"
    assert ready(env, case) == []


# -- service tasks -------------------------------------------------------------------
def test_a_service_task_calls_its_connector_with_its_parameters_and_stores_the_result(env):
    calls = []

    def issue(params, data):
        calls.append((params, data["applicant"]))
        return {"licence_no": "91310000-0001", "kind": params["kind"]}

    env.connectors.register("licence.issue", issue)
    case = start(env, deployed(env, "service_task"), {"applicant": "上海某某有限公司"})

    assert calls == [({"kind": "business", "holder": "上海某某有限公司"}, "上海某某有限公司")]
    one_ready(env, case, "deliver")
    assert instance(env, case)["data"]["licence"] == {"licence_no": "91310000-0001", "kind": "business"}
    assert open_incidents(env, case) == []
    assert_survives_restart(env, case)


def test_a_service_task_job_whose_task_left_the_case_does_nothing(env):
    """A job queued for a service task that a return removed before the job ran: no error, no change."""
    env.connectors.register("licence.issue", lambda params, data: {"licence_no": "L-1"})
    case = start(env, deployed(env, "service_task"), {"applicant": "上海某某有限公司"})
    before = (instance(env, case)["data"], actions(env, case))

    with env.unit_of_work() as uow:
        jobs.run_deferred_task(uow, case, str(uuid4()))

    assert (instance(env, case)["data"], actions(env, case)) == before


class FlakyConnector:
    """Fails until ``fixed`` is set (or for its first ``failures`` calls)."""

    def __init__(self, failures: int | None = None) -> None:
        self.failures, self.calls, self.fixed = failures, 0, False

    def __call__(self, params, data):
        self.calls += 1
        if not self.fixed and (self.failures is None or self.calls <= self.failures):
            raise ConnectionError("证照系统不可用")
        return {"licence_no": f"L-{self.calls}"}


def test_a_failing_service_task_becomes_an_incident_and_completes_when_retried_after_the_fix(env):
    connector = FlakyConnector()
    env.connectors.register("licence.issue", connector)
    case = start(env, deployed(env, "service_task"), {"applicant": "zhang3"})

    [incident] = open_incidents(env, case)
    assert (incident["element_id"], incident["kind"], incident["attempts"]) == ("issue_licence", "run_task", 1)
    assert "证照系统不可用" in incident["message"]
    assert incident["next_retry_at"] is not None  # backing off, not given up
    assert ready(env, case) == []
    assert instance(env, case)["status"] == "running"
    assert_survives_restart(env, case)

    connector.fixed = True
    jobs.retry_incident(env.unit_of_work(), incident["id"], actor=OPERATOR)

    one_ready(env, case, "deliver")
    assert instance(env, case)["data"]["licence"] == {"licence_no": "L-2"}
    assert open_incidents(env, case) == []
    assert [i["status"] for i in all_incidents(env, case)] == ["resolved"]
    assert "incident.retried" in actions(env, case)


def test_a_connector_gets_the_same_idempotency_key_on_every_attempt_of_a_service_task(env):
    """Calls are at least once; the key lets the remote system recognise a repeat."""
    keys = []

    def issue(params, data, *, call):
        keys.append((call.idempotency_key, call.element_id))
        if len(keys) == 1:
            raise ConnectionError("证照系统超时")
        return {"licence_no": "L-1"}

    env.connectors.register("licence.issue", issue)
    case = start(env, deployed(env, "service_task"), {"applicant": "zhang3"})
    [incident] = open_incidents(env, case)
    jobs.retry_incident(env.unit_of_work(), incident["id"], actor=OPERATOR)

    one_ready(env, case, "deliver")
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0][1] == "issue_licence"
    second = start(env, deployed(env, "service_task"), {"applicant": "li4"})
    one_ready(env, second, "deliver")
    assert keys[2][0] != keys[0][0]  # another task, another key


def test_a_failing_service_task_is_retried_by_the_scheduler_once_its_backoff_is_over(make_env):
    env = make_env(job_backoff_s=0.5)
    connector = FlakyConnector(failures=1)
    env.connectors.register("licence.issue", connector)
    case = start(env, deployed(env, "service_task"), {"applicant": "zhang3"})
    [incident] = open_incidents(env, case)
    assert_survives_restart(env, case)

    time.sleep(0.55)
    env.dispatcher.run_scheduler_once()

    one_ready(env, case, "deliver")
    assert connector.calls == 2
    assert [i["status"] for i in all_incidents(env, case)] == ["resolved"]


def test_a_service_task_that_keeps_failing_waits_for_an_operator_after_its_last_attempt(make_env):
    env = make_env(job_backoff_s=0, job_max_attempts=3)
    connector = FlakyConnector()
    env.connectors.register("licence.issue", connector)
    case = start(env, deployed(env, "service_task"), {"applicant": "zhang3"})

    [incident] = open_incidents(env, case)
    assert (connector.calls, incident["attempts"], incident["next_retry_at"]) == (3, 3, None)
    connector.fixed = True
    env.dispatcher.run_scheduler_once()
    assert ready(env, case) == []
    assert_survives_restart(env, case)

    jobs.retry_incident(env.unit_of_work(), incident["id"], actor=OPERATOR)

    one_ready(env, case, "deliver")
    assert open_incidents(env, case) == []


# -- script tasks ----------------------------------------------------------------------
def test_a_script_task_is_refused_at_deploy_when_scripts_are_switched_off(env):
    path = CONSTRUCTS / "script_task.bpmn"

    with pytest.raises(DeployRejected) as rejected:
        deploy_files(env, path)

    [issue] = rejected.value.issues
    assert (issue.code, issue.element_id, issue.line, issue.file) == (
        "script-task-disabled", "compute_fee", line_of(path, 'id="compute_fee"'), "script_task.bpmn")
    with env.unit_of_work() as uow:
        assert queries.list_definitions(uow) == []


@pytest.mark.parametrize(("area", "fee"), [(30, 60), (80, 100)])
def test_a_script_task_runs_in_the_sandbox_when_scripts_are_switched_on(make_env, area, fee):
    env = make_env(scripts_enabled=True)
    case = start(env, deployed(env, "script_task"), {"applicant": "zhang3", "area": area})

    one_ready(env, case, "pay")
    assert instance(env, case)["data"] == {"applicant": "zhang3", "area": area, "fee": fee}
    assert_survives_restart(env, case)


def test_a_failing_script_becomes_an_incident_naming_the_task_and_the_line(make_env):
    env = make_env(scripts_enabled=True, job_max_attempts=1)
    case = start(env, deployed(env, "script_task"), {"applicant": "zhang3"})  # no "area"

    [incident] = open_incidents(env, case)
    assert incident["element_id"] == "compute_fee"
    assert "line 1" in incident["message"] and "area" in incident["message"]
    assert ready(env, case) == []
    assert_survives_restart(env, case)


# -- business rule tasks -------------------------------------------------------------------
@pytest.mark.parametrize("binding", ["business_rule_spiff", "business_rule_camunda"])
@pytest.mark.parametrize(
    ("table", "data", "fee"),
    [
        ("fee_unique.dmn", {"applicant_type": "company"}, 300),
        ("fee_unique.dmn", {"applicant_type": "individual"}, 0),
        ("fee_first.dmn", {"area": 2000}, 500),  # all three rules hold: the first wins
        ("fee_first.dmn", {"area": 500}, 200),
        ("fee_first.dmn", {"area": 20}, 50),
    ],
)
def test_a_business_rule_task_takes_its_result_from_the_decision_table(env, binding, table, data, fee):
    deployed(env, binding, table)
    case = start(env, "business_rule", data)

    pay = one_ready(env, case, "pay")
    assert pay["candidate_groups"] == ["cashier"]
    assert instance(env, case)["data"] == {**data, "fee": fee}
    assert_survives_restart(env, case)


# -- claiming ------------------------------------------------------------------------------
def test_a_claimed_group_task_belongs_to_its_holder_until_given_back(env):
    case = start(env, deployed(env, "user_task"), {"applicant": "zhang3"})
    accept = one_ready(env, case, "accept")

    runtime.claim_task(env.unit_of_work(), accept["id"], actor=CLERK_1)

    assert one_ready(env, case, "accept")["assignee"] == "clerk1"
    assert visible_to(env, CLERK_2) == []
    with pytest.raises(NotAllowed):
        runtime.claim_task(env.unit_of_work(), accept["id"], actor=CLERK_2)
    with pytest.raises(NotAllowed):
        complete(env, accept, {}, CLERK_2)
    with pytest.raises(NotAllowed):
        runtime.unclaim_task(env.unit_of_work(), accept["id"], actor=CLERK_2)
    assert_survives_restart(env, case)

    runtime.unclaim_task(env.unit_of_work(), accept["id"], actor=CLERK_1)
    assert one_ready(env, case, "accept")["assignee"] is None
    runtime.claim_task(env.unit_of_work(), accept["id"], actor=CLERK_2)
    complete(env, accept, {"acceptance": "accept"}, CLERK_2)

    assert actions(env, case) == ["instance.started", "task.claimed", "task.unclaimed", "task.claimed",
                                  "task.completed"]
    assert one_ready(env, case, "sign")["assignee"] == "zhang3"


def test_a_group_task_cannot_be_claimed_by_someone_outside_its_groups(env):
    case = start(env, deployed(env, "user_task"), {"applicant": "zhang3"})
    accept = one_ready(env, case, "accept")

    with pytest.raises(NotAllowed):
        runtime.claim_task(env.unit_of_work(), accept["id"], actor=Actor.of("fire1", "fire"))

    assert one_ready(env, case, "accept")["assignee"] is None
    assert actions(env, case) == ["instance.started"]
    assert_survives_restart(env, case)


# -- suspending, resuming, cancelling -----------------------------------------------------------
def test_a_suspended_case_cannot_be_worked_on_until_it_is_resumed(env):
    case = start(env, deployed(env, "user_task"), {"applicant": "zhang3"})
    accept = one_ready(env, case, "accept")

    runtime.suspend_instance(env.unit_of_work(), case, actor=OPERATOR, reason="材料核查")

    assert instance(env, case)["status"] == "suspended"
    with pytest.raises(InvalidState):
        complete(env, accept, {"acceptance": "accept"}, CLERK_1)
    with pytest.raises(InvalidState):
        runtime.suspend_instance(env.unit_of_work(), case, actor=OPERATOR)
    assert_survives_restart(env, case)

    runtime.resume_instance(env.unit_of_work(), case, actor=OPERATOR)

    assert instance(env, case)["status"] == "running"
    complete(env, accept, {"acceptance": "accept"}, CLERK_1)
    one_ready(env, case, "sign")
    assert actions(env, case) == ["instance.started", "instance.suspended", "instance.resumed", "task.completed"]
    assert history(env, case)[1]["details"] == {"reason": "材料核查"}


def test_a_cancelled_case_leaves_every_worklist_and_cannot_be_worked_on(env):
    case = start(env, deployed(env, "user_task"), {"applicant": "zhang3"})
    accept = one_ready(env, case, "accept")
    assert_survives_restart(env, case)

    runtime.cancel_instance(env.unit_of_work(), case, actor=OPERATOR, reason="申请人撤回")

    view = instance(env, case)
    assert (view["status"], view["open_tasks"]) == ("cancelled", [])
    assert view["ended_at"] is not None
    assert visible_to(env, CLERK_1) == []
    with pytest.raises(TaskNotReady):
        complete(env, accept, {}, CLERK_1)
    with pytest.raises(InvalidState):
        runtime.cancel_instance(env.unit_of_work(), case, actor=OPERATOR)
    assert actions(env, case) == ["instance.started", "instance.cancelled"]
