"""An integrator drives only the cases it is granted (issue 16, #1), over HTTP against a real server.

A token with only the message right used to move anyone's case by naming its business key or
id, write its keys into the case data, and learn instance ids from the reply. Now a message
reaches only cases of the processes the security administrator granted the account, cases
that reached its groups (departments), and cases it started; for anything else the answer is
the one for "no case is waiting", and nothing changes.
"""

from __future__ import annotations

import uuid

import pytest
import requests
from sqlalchemy import func, select

from engine.models import HistoryEvent, ProcessInstance
from live_kit import session_for, threaded_server
from support.paths import DATA

PAYMENT = DATA / "api" / "payment_wait.bpmn"
INSPECTION = DATA / "security" / "inspection_wait.bpmn"
MESSAGE_START = DATA / "engine" / "constructs" / "message_start.bpmn"


@pytest.fixture
def server(app, organisation):
    with threaded_server(app) as base:
        designer = session_for(base, "designer1")
        for path in (PAYMENT, INSPECTION, MESSAGE_START):
            deployed = designer.post(f"{base}/api/v1/definitions", data=path.read_bytes(),
                                     params={"filename": path.name}, headers={"Content-Type": "application/xml"},
                                     timeout=60)
            assert deployed.status_code == 201, deployed.text
        yield base


@pytest.fixture
def platform(server) -> requests.Session:
    """The integrator's system: a bearer token with only the message right, made by the integrator."""
    owner = session_for(server, "integrator1")
    made = owner.post(f"{server}/api/v1/tokens", json={"name": "payment platform", "scopes": ["correlate"]},
                      timeout=30)
    assert made.status_code == 201, made.text
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {made.json()['token']}"
    return http


def received(env, instance_id: str) -> int:
    with env.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(HistoryEvent).where(
            HistoryEvent.instance_id == instance_id, HistoryEvent.action == "message.received"))


def case_data(clerk: requests.Session, base: str, case_id: str) -> dict:
    response = clerk.get(f"{base}/api/v1/instances/{case_id}", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def send(platform: requests.Session, base: str, **message) -> requests.Response:
    return platform.post(f"{base}/api/v1/messages", json=message, timeout=60)


def test_a_message_reaches_no_case_outside_the_grant_and_says_nothing_about_it(server, platform, organisation, env):
    clerk = session_for(server, "clerk1")
    started = clerk.post(f"{server}/api/v1/instances", json={"process_id": "payment_wait", "business_key": "PAY-A",
                                                              "applicant": "zhang3"}, timeout=60)
    assert started.status_code == 201, started.text
    case_id = started.json()["id"]

    by_key = send(platform, server, name="payment_received", business_key="PAY-A", payload={"paid_by": "intruder"})
    no_key = send(platform, server, name="payment_received", business_key="PAY-NONE", payload={"paid_by": "intruder"})
    by_id = send(platform, server, name="payment_received", instance_id=case_id, payload={"paid_by": "intruder"})
    no_id = send(platform, server, name="payment_received", instance_id=str(uuid.uuid4()),
                 payload={"paid_by": "intruder"})
    for response in (by_key, no_key, by_id, no_id):
        assert response.status_code == 404, response.text
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert case_id not in response.text
    assert {**by_key.json(), "business_key": None} == {**no_key.json(), "business_key": None}
    assert by_id.json() == no_id.json()
    assert received(env, case_id) == 0 and "paid_by" not in case_data(clerk, server, case_id)

    # the integrator cannot grant itself; the security administrator can
    own = session_for(server, "integrator1")
    mine = f"{server}/api/v1/users/{organisation['integrator1']}/processes"
    assert own.put(mine, json={"processes": ["payment_wait"]}, timeout=30).status_code == 403
    granted = session_for(server, "sec").put(mine, json={"processes": ["payment_wait"]}, timeout=30)
    assert granted.status_code == 200 and granted.json()["processes"] == ["payment_wait"]
    caught = send(platform, server, name="payment_received", business_key="PAY-A", payload={"amount": 50})
    assert caught.status_code == 200 and caught.json() == {"instance_ids": [case_id]}
    assert received(env, case_id) == 1 and case_data(clerk, server, case_id)["amount"] == 50


def test_a_department_system_reaches_the_cases_that_reached_its_department(server, platform, organisation, env):
    clerk = session_for(server, "clerk1")
    started = clerk.post(f"{server}/api/v1/instances", json={"process_id": "inspection_wait",
                                                              "business_key": "INS-1"}, timeout=60)
    case_id = started.json()["id"]
    (accept,) = [t for t in clerk.get(f"{server}/api/v1/tasks", timeout=30).json()["items"]
                 if t["instance_id"] == case_id]
    assert clerk.post(f"{server}/api/v1/tasks/{accept['id']}/complete", json={"data": {}}, timeout=60).ok
    message = {"name": "inspection_done", "business_key": "INS-1", "payload": {"site_ok": True}}

    assert send(platform, server, **message).status_code == 404  # not in the window's department
    sec = session_for(server, "sec")
    moved = sec.put(f"{server}/api/v1/users/{organisation['integrator1']}/groups", json={"groups": ["market"]},
                    timeout=30)
    assert moved.status_code == 200, moved.text
    assert send(platform, server, **message).status_code == 404  # another department
    assert received(env, case_id) == 0
    sec.put(f"{server}/api/v1/users/{organisation['integrator1']}/groups", json={"groups": ["window"]}, timeout=30)
    caught = send(platform, server, **message)
    assert caught.status_code == 200 and caught.json() == {"instance_ids": [case_id]}


def test_a_message_start_opens_a_case_only_of_a_granted_process(server, platform, organisation, env):
    def started() -> int:
        with env.unit_of_work() as uow:
            return uow.session.scalar(select(func.count()).select_from(ProcessInstance).where(
                ProcessInstance.process_id == "message_start"))

    assert send(platform, server, name="application_submitted").status_code == 404
    assert started() == 0
    session_for(server, "sec").put(f"{server}/api/v1/users/{organisation['integrator1']}/processes",
                                   json={"processes": ["message_start"]}, timeout=30)
    opened = send(platform, server, name="application_submitted")
    assert opened.status_code == 200 and len(opened.json()["instance_ids"]) == 1
    assert started() == 1
