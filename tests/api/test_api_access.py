"""Department-scoped queues and case visibility: every refusal is a 403/404, changes nothing, is audited."""

from __future__ import annotations

import pytest

from api_kit import START, audit_rows, tasks_of


def _to_review(as_user, case) -> dict[str, dict]:
    clerk = as_user("clerk1")
    (accept,) = tasks_of(clerk, case["id"])
    assert clerk.post(f"/api/v1/tasks/{accept['id']}/complete", json={"data": {"acceptance": "accept"}}).status_code == 200
    reviews = {}
    for username in ("market1", "fire1", "env1"):
        (review,) = tasks_of(as_user(username), case["id"])
        reviews[review["loop_item"]] = review
    return reviews


def test_each_department_sees_only_its_own_review(as_user, start_case):
    case = start_case("zhang3")
    reviews = _to_review(as_user, case)
    assert set(reviews) == {"market", "fire", "environment"}
    assert [t["loop_item"] for t in tasks_of(as_user("market1"), case["id"])] == ["market"]
    assert tasks_of(as_user("clerk1"), case["id"]) == []


@pytest.mark.parametrize("action,body", [
    ("claim", None), ("complete", {"data": {"opinion": {"approved": True}}}),
    ("unclaim", None), ("transfer", {"to_user": "market2"}),
])
def test_another_departments_task_cannot_be_worked(as_user, start_case, env, action, body):
    case = start_case("zhang3")
    fire_task = _to_review(as_user, case)["fire"]
    market = as_user("market1")
    response = market.post(f"/api/v1/tasks/{fire_task['id']}/{action}", json=body)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    after = as_user("fire1").get(f"/api/v1/tasks/{fire_task['id']}").get_json()
    assert after["state"] == "ready" and after["assignee"] is None and after["etag"] == fire_task["etag"]
    past = {"claim": "claimed", "complete": "completed", "unclaim": "unclaimed", "transfer": "transferred"}
    (refusal,) = audit_rows(env, action=f"task.{past[action]}", result="denied")
    assert refusal.actor == "market1" and refusal.object_id == fire_task["id"]


def test_another_departments_task_cannot_be_read(as_user, start_case, env):
    case = start_case("zhang3")
    fire_task = _to_review(as_user, case)["fire"]
    for path in ("", "/form", "/comments"):
        assert as_user("market1").get(f"/api/v1/tasks/{fire_task['id']}{path}").status_code == 404
    refused = audit_rows(env, result="denied", actor="market1")
    assert len(refused) == 3


def test_a_claimed_task_leaves_the_queue_of_the_others(as_user, start_case):
    case = start_case("zhang3")
    clerk1, clerk2 = as_user("clerk1"), as_user("clerk2")
    (accept,) = tasks_of(clerk1, case["id"])
    assert clerk1.post(f"/api/v1/tasks/{accept['id']}/claim").get_json()["assignee"] == "clerk1"
    assert tasks_of(clerk2, case["id"]) == []
    assert clerk2.post(f"/api/v1/tasks/{accept['id']}/complete", json={"data": {"acceptance": "accept"}}).status_code == 404
    assert [t["id"] for t in tasks_of(clerk1, case["id"], scope="mine")] == [accept["id"]]


def test_an_applicant_sees_only_their_own_cases(as_user, start_case, env):
    mine = start_case("zhang3")
    theirs = start_case("li4")
    zhang = as_user("zhang3")
    listed = zhang.get("/api/v1/instances").get_json()
    assert [c["id"] for c in listed["items"]] == [mine["id"]] and listed["total"] == 1
    assert zhang.get(f"/api/v1/instances/{mine['id']}").status_code == 200
    refused = zhang.get(f"/api/v1/instances/{theirs['id']}")
    assert refused.status_code == 404 and refused.get_json()["type"] == "urn:yiwang:problem:not-found"
    assert audit_rows(env, actor="zhang3", result="denied")[0].action.startswith("get ")


def test_an_applicant_works_the_correction_asked_of_them_and_nothing_else(as_user, start_case):
    case = start_case("zhang3")
    clerk = as_user("clerk1")
    (accept,) = tasks_of(clerk, case["id"])
    clerk.post(f"/api/v1/tasks/{accept['id']}/complete", json={"data": {"acceptance": "correct", "deficiencies": ["身份证复印件"]}})
    assert tasks_of(as_user("li4")) == []
    (correct,) = tasks_of(as_user("zhang3"), case["id"])
    assert correct["element_id"] == "correct"
    assert as_user("li4").post(f"/api/v1/tasks/{correct['id']}/complete", json={"data": {}}).status_code == 404
    done = as_user("zhang3").post(f"/api/v1/tasks/{correct['id']}/complete", json={"data": {"supplement": "ok"}})
    assert done.status_code == 200


def test_an_applicant_applies_only_for_themselves(as_user, deployed):
    response = as_user("zhang3").post("/api/v1/instances", json={
        "process_id": "one_window_approval", "data": {**START, "applicant": "li4"}, "applicant": "li4"})
    assert response.status_code == 403


def test_an_integrator_token_cannot_work_tasks(with_token, as_user, start_case, env):
    case = start_case("zhang3")
    (accept,) = tasks_of(as_user("clerk1"), case["id"])
    token = with_token("integrator1", ["read", "start", "deploy", "correlate"])
    for method, path in (("get", "/api/v1/tasks"), ("post", f"/api/v1/tasks/{accept['id']}/claim"),
                         ("post", f"/api/v1/tasks/{accept['id']}/complete")):
        response = getattr(token, method)(path, json={} if method == "post" else None)
        assert response.status_code == 403 and "tokens cannot work tasks" in response.get_json()["title"]
    assert tasks_of(as_user("clerk1"), case["id"])[0]["assignee"] is None


def test_staff_see_cases_that_reached_their_groups_only(as_user, start_case):
    case = start_case("zhang3")
    assert as_user("market1").get(f"/api/v1/instances/{case['id']}").status_code == 404
    _to_review(as_user, case)
    assert as_user("market1").get(f"/api/v1/instances/{case['id']}").status_code == 200
    assert as_user("lead1").get(f"/api/v1/instances/{case['id']}").status_code == 404


def test_supervisors_see_every_case_but_work_no_task(as_user, start_case):
    case = start_case("zhang3")
    supervisor = as_user("super1")
    assert supervisor.get(f"/api/v1/instances/{case['id']}").status_code == 200
    assert supervisor.get("/api/v1/tasks").status_code == 403


@pytest.mark.parametrize("username,method,path", [
    ("clerk1", "post", "/api/v1/definitions"),
    ("designer1", "post", "/api/v1/instances"),
    ("clerk1", "get", "/api/v1/audit"),
    ("admin1", "get", "/api/v1/audit"),
    ("auditor1", "get", "/api/v1/users"),
    ("clerk1", "get", "/api/v1/incidents"),
    ("approver", "post", "/api/v1/messages"),
])
def test_roles_without_the_permission_are_refused_and_audited(as_user, env, username, method, path):
    username = "market1" if username == "approver" else username
    response = getattr(as_user(username), method)(path, json={} if method == "post" else None)
    assert response.status_code == 403
    assert response.get_json()["permission"]
    assert audit_rows(env, actor=username, result="denied")


def test_anonymous_callers_are_refused_and_audited(app, env, organisation):
    response = app.test_client().post("/api/v1/instances", json={"process_id": "x"})
    assert response.status_code == 401
    (record,) = audit_rows(env, action="instance.started")
    assert record.result == "denied" and record.actor is None
