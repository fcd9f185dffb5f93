"""Fifty clerks complete the same task at once over real HTTP: exactly one succeeds.

The server is gunicorn with two workers of eight threads on the test database, so
the clerks meet in separate processes with separate instance caches: only the
database decides who was first. The others get 409, and the history and the audit
trail hold one completion.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api_kit import PASSWORD, audit_rows, tasks_of
from engine.models import HistoryEvent, WorkTask
from live_kit import all_at_once, gunicorn_server, session_for

CLERKS = 50


@pytest.fixture
def clerks(env, organisation) -> list[str]:
    """Fifty more clerks of the window."""
    from api import accounts

    names = [f"window{n:02d}" for n in range(CLERKS)]
    for name in names:
        accounts.create_user(env.unit_of_work(), name, password=PASSWORD, roles=["clerk"], groups=["window"],
                             min_length=12)
    return names


@pytest.mark.slow
def test_fifty_clerks_completing_one_task_at_once_get_one_200_and_49_409s(db_engine, tmp_path, start_case,
                                                                          clerks, as_user, env):
    case = start_case("zhang3")
    (accept,) = tasks_of(as_user("clerk1"), case["id"])
    url = db_engine.url.render_as_string(hide_password=False)
    with gunicorn_server(url, tmp_path, workers=2, threads=8) as base:
        sessions = [session_for(base, name) for name in clerks]
        for http in sessions:
            http.close()  # race on fresh connections: gunicorn drops keep-alive ones idle for 2 s
        responses = all_at_once([
            lambda http=http: http.post(f"{base}/api/v1/tasks/{accept['id']}/complete",
                                        json={"data": {"acceptance": "accept"}},
                                        headers={"If-Match": accept["etag"]}, timeout=120)
            for http in sessions])

    assert not [r for r in responses if isinstance(r, Exception)], responses
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (CLERKS - 1), [(r.status_code, r.text[:200]) for r in responses]
    winner = clerks[next(i for i, r in enumerate(responses) if r.status_code == 200)]
    assert all(r.headers["Content-Type"] == "application/problem+json" for r in responses if r.status_code == 409)

    with env.unit_of_work() as uow:
        completed = uow.session.scalar(select(func.count()).select_from(HistoryEvent).where(
            HistoryEvent.task_id == accept["id"], HistoryEvent.action == "task.completed"))
        task = uow.session.get(WorkTask, accept["id"])
        assert (task.state, task.completed_by) == ("completed", winner)
    assert completed == 1
    records = audit_rows(env, action="task.completed", object_id=accept["id"])
    assert [(r.actor, r.result) for r in records if r.result == "ok"] == [(winner, "ok")]
    assert sum(r.result == "failed" for r in records) == CLERKS - 1
    assert len(tasks_of(as_user("market1"), case["id"])) == 1  # the case moved on once
