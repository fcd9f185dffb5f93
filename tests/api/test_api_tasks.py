"""Working tasks over HTTP: ETag/If-Match, two clerks racing, transfer (转办), opinions, forms, queues."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from api_kit import RESIDENT_ID, tasks_of
from engine.models import WorkTask



def _accept_task(as_user, case) -> dict:
    (accept,) = tasks_of(as_user("clerk1"), case["id"])
    return accept


def test_two_clerks_completing_one_task_get_one_200_and_one_409(as_user, start_case):
    case = start_case("zhang3")
    accept = _accept_task(as_user, case)
    clerks = [as_user("clerk1"), as_user("clerk2")]
    etag = clerks[0].get(f"/api/v1/tasks/{accept['id']}").headers["ETag"]
    statuses = []
    for clerk in clerks:
        response = clerk.post(f"/api/v1/tasks/{accept['id']}/complete", json={"data": {"acceptance": "accept"}},
                              headers={"If-Match": etag})
        statuses.append(response.status_code)
    assert statuses == [200, 409]


def test_two_clerks_racing_in_parallel_get_one_200_and_one_409(as_user, start_case):
    case = start_case("zhang3")
    accept = _accept_task(as_user, case)
    clerks = [as_user("clerk1"), as_user("clerk2")]
    barrier, statuses = threading.Barrier(2), []

    def complete(clerk):
        barrier.wait()
        statuses.append(clerk.post(f"/api/v1/tasks/{accept['id']}/complete",
                                   json={"data": {"acceptance": "accept"}}).status_code)

    threads = [threading.Thread(target=complete, args=(c,)) for c in clerks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [200, 409]
    assert len(tasks_of(as_user("market1"), case["id"])) == 1


def test_a_task_that_changed_hands_fails_the_precondition(as_user, start_case):
    case = start_case("zhang3")
    accept = _accept_task(as_user, case)
    clerk1 = as_user("clerk1")
    stale = accept["etag"]
    clerk1.post(f"/api/v1/tasks/{accept['id']}/claim")
    response = clerk1.post(f"/api/v1/tasks/{accept['id']}/complete", json={"data": {"acceptance": "accept"}},
                           headers={"If-Match": stale})
    assert response.status_code == 412
    fresh = clerk1.get(f"/api/v1/tasks/{accept['id']}").headers["ETag"]
    assert clerk1.post(f"/api/v1/tasks/{accept['id']}/complete", json={"data": {"acceptance": "accept"}},
                       headers={"If-Match": fresh}).status_code == 200


def test_transfer_hands_a_held_task_to_an_eligible_colleague(as_user, start_case, env):
    case = start_case("zhang3")
    accept = _accept_task(as_user, case)
    clerk1, clerk2 = as_user("clerk1"), as_user("clerk2")
    not_held = clerk1.post(f"/api/v1/tasks/{accept['id']}/transfer", json={"to_user": "clerk2"})
    assert not_held.status_code == 403
    clerk1.post(f"/api/v1/tasks/{accept['id']}/claim")
    outsider = clerk1.post(f"/api/v1/tasks/{accept['id']}/transfer", json={"to_user": "market1"})
    assert outsider.status_code == 422
    moved = clerk1.post(f"/api/v1/tasks/{accept['id']}/transfer", json={"to_user": "clerk2", "reason": "轮岗"})
    assert moved.status_code == 200 and moved.get_json()["assignee"] == "clerk2"
    assert tasks_of(clerk1, case["id"]) == []
    assert [t["id"] for t in tasks_of(clerk2, case["id"], scope="mine")] == [accept["id"]]
    history = as_user("super1").get(f"/api/v1/instances/{case['id']}").get_json()["history"]
    assert history[-1]["action"] == "task.transferred" and history[-1]["details"]["to_user"] == "clerk2"


def test_comments_and_opinions_are_kept_on_the_task_and_opinions_in_the_history(as_user, start_case):
    case = start_case("zhang3")
    accept = _accept_task(as_user, case)
    clerk = as_user("clerk1")
    path = f"/api/v1/tasks/{accept['id']}/comments"
    assert clerk.post(path, json={"text": "材料齐全"}).status_code == 201
    opinion = clerk.post(path, json={"kind": "opinion", "verdict": "agree", "text": "同意受理"})
    assert opinion.status_code == 201 and opinion.get_json()["author"] == "clerk1"
    assert clerk.post(path, json={"kind": "opinion", "text": "no verdict"}).status_code == 422
    assert [c["kind"] for c in clerk.get(path).get_json()] == ["comment", "opinion"]
    history = as_user("super1").get(f"/api/v1/instances/{case['id']}").get_json()["history"]
    assert history[-1]["action"] == "task.opinion" and history[-1]["details"]["verdict"] == "agree"


def test_the_task_form_comes_with_its_data_and_is_enforced(as_user, start_case):
    case = start_case("zhang3")
    accept = _accept_task(as_user, case)
    clerk = as_user("clerk1")
    form = clerk.get(f"/api/v1/tasks/{accept['id']}/form").get_json()
    assert form["form_key"] == "acceptance" and form["form_version"] == 1
    assert form["schema"]["properties"]["acceptance"]["enum"] == ["accept", "correct", "refuse"]
    assert form["data"]["id_number"] == RESIDENT_ID
    refused = clerk.post(f"/api/v1/tasks/{accept['id']}/complete", json={"data": {"acceptance": "maybe"}})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["pointer"] == "/acceptance"
    assert clerk.post(f"/api/v1/tasks/{accept['id']}/complete",
                      json={"data": {"acceptance": "accept"}}).status_code == 200


def test_queues_are_sorted_by_deadline_and_filter_by_item_group_and_due(as_user, start_case, env):
    cases = [start_case("zhang3") for _ in range(3)]
    soon = datetime.now(timezone.utc) + timedelta(hours=1)
    with env.unit_of_work() as uow:
        for case, due in zip(cases, (soon + timedelta(days=2), soon - timedelta(days=2), soon)):
            uow.session.execute(update(WorkTask).where(WorkTask.instance_id == case["id"]).values(due_at=due))
        uow.commit()
    clerk = as_user("clerk1")
    ordered = [t["instance_id"] for t in tasks_of(clerk)]
    assert ordered == [cases[1]["id"], cases[2]["id"], cases[0]["id"]]
    overdue = tasks_of(clerk, overdue="true")
    assert [t["instance_id"] for t in overdue] == [cases[1]["id"]] and overdue[0]["overdue"] is True
    due = tasks_of(clerk, due_before=(soon + timedelta(minutes=1)).isoformat())
    assert len(due) == 2
    assert len(tasks_of(clerk, process_id="one_window_approval", group="window")) == 3
    assert tasks_of(clerk, process_id="other") == [] and tasks_of(clerk, group="market") == []
    done = tasks_of(clerk, state="completed")
    assert done == []


def test_a_queue_is_counted_by_warning_light_for_each_of_my_groups(as_user, start_case, clock):
    """GET /tasks/lights: the window's open acceptance steps (1 working day) are green when
    they arrive and red once their deadline has passed; a department with nothing open
    counts zero."""
    from datetime import datetime

    clock.set(*datetime.now(timezone(timedelta(hours=8))).timetuple()[:4])
    for applicant in ("zhang3", "li4"):
        start_case(applicant)
    clerk = as_user("clerk1")
    [window] = clerk.get("/api/v1/tasks/lights").get_json()
    assert window == {"group": "window", "green": 2, "yellow": 0, "red": 0}
    assert as_user("market1").get("/api/v1/tasks/lights").get_json() == [
        {"group": "market", "green": 0, "yellow": 0, "red": 0}]

    clock.set(2099, 1, 5, 10)  # long after every deadline
    [window] = clerk.get("/api/v1/tasks/lights").get_json()
    assert window == {"group": "window", "green": 0, "yellow": 0, "red": 2}
