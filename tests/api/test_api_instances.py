"""Cases over HTTP: idempotent start, lists and filters, lifecycle, masking, message correlation."""

from __future__ import annotations

from sqlalchemy import func, select

from api_kit import MASKED_ID, RESIDENT_ID, START, tasks_of
from engine.models import ProcessInstance
from support.paths import DATA

PAYMENT = DATA / "api" / "payment_wait.bpmn"


def _count_cases(env) -> int:
    with env.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(ProcessInstance))


def test_a_retried_start_with_the_same_idempotency_key_never_starts_a_second_case(as_user, deployed, env):
    clerk = as_user("clerk1")
    body = {"process_id": "one_window_approval", "data": START, "business_key": "ZW-1"}
    first = clerk.post("/api/v1/instances", json=body, headers={"Idempotency-Key": "k-1"})
    again = clerk.post("/api/v1/instances", json=body, headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"] and again.get_json()["replayed"] is True
    assert again.headers["Idempotency-Replayed"] == "true"
    assert _count_cases(env) == 1
    other = clerk.post("/api/v1/instances", json={**body, "business_key": "ZW-2"}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422 and other.get_json()["type"].endswith("idempotency-key-reused")
    assert clerk.post("/api/v1/instances", json=body).status_code == 201
    assert _count_cases(env) == 2


def test_the_same_key_from_another_caller_is_another_request(as_user, deployed, env):
    body = {"process_id": "one_window_approval", "data": START}
    as_user("clerk1").post("/api/v1/instances", json=body, headers={"Idempotency-Key": "same"})
    assert as_user("clerk2").post("/api/v1/instances", json=body, headers={"Idempotency-Key": "same"}).status_code == 201
    assert _count_cases(env) == 2


def test_start_requires_exactly_one_target_and_a_deployed_process(as_user, deployed):
    clerk = as_user("clerk1")
    neither = clerk.post("/api/v1/instances", json={"data": {}})
    assert neither.status_code == 422 and neither.get_json()["errors"][0]["pointer"] == "/process_id"
    missing = clerk.post("/api/v1/instances", json={"process_id": "no_such_process"})
    assert missing.status_code == 404
    bad_data = clerk.post("/api/v1/instances", json={"process_id": "one_window_approval", "data": {"_x": 1}})
    assert bad_data.status_code == 422 and bad_data.get_json()["errors"][0]["pointer"] == "/_x"


def test_the_case_view_shows_state_steps_data_and_history(as_user, start_case):
    case = start_case("zhang3")
    assert case["definition_version"] == 1 and case["started_by"] == "clerk1"
    assert [t["element_id"] for t in case["current_tasks"]] == ["accept"]
    assert case["data"]["departments"] == START["departments"]
    assert case["history"][0]["action"] == "instance.started"


def test_lists_filter_and_page(as_user, start_case):
    ids = [start_case("zhang3", business_key=f"ZW-{n}")["id"] for n in range(3)]
    supervisor = as_user("super1")
    page = supervisor.get("/api/v1/instances", query_string={"limit": 2}).get_json()
    assert page["total"] == 3 and len(page["items"]) == 2
    rest = supervisor.get("/api/v1/instances", query_string={"limit": 2, "offset": 2}).get_json()
    assert {i["id"] for i in page["items"] + rest["items"]} == set(ids)
    one = supervisor.get("/api/v1/instances", query_string={"business_key": "ZW-1"}).get_json()
    assert [i["id"] for i in one["items"]] == [ids[1]]
    assert supervisor.get("/api/v1/instances", query_string={"status": "completed"}).get_json()["total"] == 0
    assert supervisor.get("/api/v1/instances", query_string={"limit": 0}).status_code == 422


def test_identifiers_are_masked_for_roles_that_do_not_need_them(as_user, start_case):
    case = start_case("zhang3", business_key=RESIDENT_ID)
    path = f"/api/v1/instances/{case['id']}"
    assert as_user("clerk1").get(path).get_json()["data"]["id_number"] == RESIDENT_ID
    assert as_user("zhang3").get(path).get_json()["data"]["id_number"] == RESIDENT_ID
    supervised = as_user("super1").get(path).get_json()
    assert supervised["data"]["id_number"] == MASKED_ID
    assert supervised["data"]["mobile"] == "138****5678"
    assert supervised["business_key"] == MASKED_ID
    listed = as_user("clerk1").get("/api/v1/instances").get_json()["items"][0]
    assert listed["business_key"] == MASKED_ID
    (task,) = tasks_of(as_user("clerk1"), case["id"])
    assert task["business_key"] == MASKED_ID


def test_a_supervisor_suspends_resumes_and_cancels_a_case(as_user, start_case, env):
    case = start_case("zhang3")
    supervisor = as_user("super1")
    path = f"/api/v1/instances/{case['id']}"
    assert supervisor.post(f"{path}/suspend", json={"reason": "核查"}).get_json()["status"] == "suspended"
    clerk = as_user("clerk1")
    (accept,) = tasks_of(clerk, case["id"])
    assert clerk.post(f"/api/v1/tasks/{accept['id']}/complete", json={"data": {"acceptance": "accept"}}).status_code == 409
    assert supervisor.post(f"{path}/suspend", json={}).status_code == 409
    assert supervisor.post(f"{path}/resume").get_json()["status"] == "running"
    assert supervisor.post(f"{path}/cancel", json={"reason": "撤回"}).get_json()["status"] == "cancelled"
    assert supervisor.post(f"{path}/cancel", json={}).status_code == 409
    assert as_user("clerk1").post(f"{path}/cancel", json={}).status_code == 403


def test_a_message_moves_the_waiting_case_found_by_business_key(as_user, with_token, grant_processes):
    designer = as_user("designer1")
    designer.post("/api/v1/definitions", data=PAYMENT.read_bytes(), content_type="application/xml",
                  query_string={"filename": PAYMENT.name})
    case = as_user("clerk1").post("/api/v1/instances", json={"process_id": "payment_wait",
                                                             "business_key": "PAY-7"}).get_json()
    assert case["current_tasks"] == []
    grant_processes("integrator1", "payment_wait")
    platform = with_token("integrator1", ["correlate"])
    nobody = platform.post("/api/v1/messages", json={"name": "payment_received", "business_key": "PAY-8"})
    assert nobody.status_code == 404
    caught = platform.post("/api/v1/messages", json={"name": "payment_received", "business_key": "PAY-7",
                                                     "payload": {"amount": 50}})
    assert caught.status_code == 200 and caught.get_json()["instance_ids"] == [case["id"]]
    (issue,) = tasks_of(as_user("clerk1"), case["id"])
    assert issue["element_id"] == "issue"


def test_an_idempotency_key_is_forgotten_after_its_window(as_user, deployed, env, app):
    from datetime import timedelta

    from sqlalchemy import update

    from api.models import IdempotencyRecord
    from engine.models import utcnow

    clerk = as_user("clerk1")
    body = {"process_id": "one_window_approval", "data": START}
    first = clerk.post("/api/v1/instances", json=body, headers={"Idempotency-Key": "old"}).get_json()
    with env.unit_of_work() as uow:
        uow.session.execute(update(IdempotencyRecord).values(
            created_at=utcnow() - timedelta(hours=app.config["IDEMPOTENCY_HOURS"] + 1)))
        uow.commit()
    later = clerk.post("/api/v1/instances", json=body, headers={"Idempotency-Key": "old"})
    assert later.status_code == 201 and later.get_json()["id"] != first["id"]
