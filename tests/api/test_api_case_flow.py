"""A whole one-window case worked through the REST API by the people who would work it."""

from __future__ import annotations

from api_kit import audit_rows, tasks_of


def test_a_case_runs_from_window_to_result_through_the_api(as_user, start_case, env):
    case = start_case("zhang3")
    assert case["status"] == "running" and case["applicants"] == ["zhang3"]
    (accept,) = [t for t in case["current_tasks"] if t["element_id"] == "accept"]

    clerk = as_user("clerk1")
    assert [t["id"] for t in tasks_of(clerk, case["id"], scope="queue")] == [accept["id"]]
    assert clerk.post(f"/api/v1/tasks/{accept['id']}/claim").status_code == 200
    done = clerk.post(f"/api/v1/tasks/{accept['id']}/complete", json={"data": {"acceptance": "accept"}})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["instance_status"] == "running"

    for username in ("market1", "fire1", "env1"):
        approver = as_user(username)
        (review,) = tasks_of(approver, case["id"])
        assert review["element_id"] == "review"
        response = approver.post(f"/api/v1/tasks/{review['id']}/complete",
                                 json={"data": {"opinion": {"approved": True}}})
        assert response.status_code == 200, response.get_json()

    lead = as_user("lead1")
    (decide,) = tasks_of(lead, case["id"])
    assert lead.post(f"/api/v1/tasks/{decide['id']}/complete",
                     json={"data": {"decision": "approve"}}).status_code == 200
    (issue,) = tasks_of(clerk, case["id"])
    final = clerk.post(f"/api/v1/tasks/{issue['id']}/complete", json={"data": {"delivery": "mail"}})
    assert final.get_json()["instance_status"] == "completed"

    shown = as_user("zhang3").get(f"/api/v1/instances/{case['id']}").get_json()
    assert shown["status"] == "completed"
    assert [h["action"] for h in shown["history"]].count("task.completed") == 6
    completed = audit_rows(env, case_id=case["id"], action="task.completed")
    assert len(completed) == 6 and {r.result for r in completed} == {"ok"}
