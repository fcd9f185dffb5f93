"""A whole case over real HTTP: the app served by a real server on 127.0.0.1, driven with requests."""

from __future__ import annotations

import threading

import pytest
import requests
from werkzeug.serving import make_server

from api_kit import BPMN, EXAMPLE, START
from live_kit import session_for


@pytest.fixture
def live_server(app, organisation):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    server.server_close()


def only_task(http: requests.Session, base: str, instance_id: str) -> dict:
    items = http.get(f"{base}/api/v1/tasks", timeout=30).json()["items"]
    (task,) = [t for t in items if t["instance_id"] == instance_id]
    return task


def complete(http, base, task, data) -> dict:
    response = http.post(f"{base}/api/v1/tasks/{task['id']}/complete", json={"data": data},
                         headers={"If-Match": task["etag"]}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.slow
def test_a_whole_case_over_http(live_server):
    base = live_server
    designer = session_for(base, "designer1")
    for form in sorted((EXAMPLE / "forms").glob("*.json")):
        published = designer.post(f"{base}/api/v1/forms/{form.stem}", data=form.read_bytes(),
                                  headers={"Content-Type": "application/json"}, timeout=60)
        assert published.status_code == 201, published.text
    deployed = designer.post(f"{base}/api/v1/definitions", data=BPMN.read_bytes(), params={"filename": BPMN.name},
                             headers={"Content-Type": "application/xml"}, timeout=60)
    assert deployed.status_code == 201, deployed.text

    clerk = session_for(base, "clerk1")
    started = clerk.post(f"{base}/api/v1/instances", json={"process_id": "one_window_approval", "data": START,
                                                           "applicant": "zhang3", "business_key": "ZW-LIVE"},
                         headers={"Idempotency-Key": "live-1"}, timeout=60)
    assert started.status_code == 201, started.text
    case_id = started.json()["id"]
    assert started.headers["Location"].endswith(case_id)

    complete(clerk, base, only_task(clerk, base, case_id), {"acceptance": "accept"})
    for username in ("market1", "fire1", "env1"):
        approver = session_for(base, username)
        complete(approver, base, only_task(approver, base, case_id), {"opinion": {"approved": True}})
    lead = session_for(base, "lead1")
    complete(lead, base, only_task(lead, base, case_id), {"decision": "approve"})
    result = complete(clerk, base, only_task(clerk, base, case_id), {"delivery": "mail"})
    assert result["instance_status"] == "completed"

    applicant = session_for(base, "zhang3")
    case = applicant.get(f"{base}/api/v1/instances/{case_id}", timeout=30).json()
    assert case["status"] == "completed"
    assert session_for(base, "li4").get(f"{base}/api/v1/instances/{case_id}", timeout=30).status_code == 404
    verified = session_for(base, "auditor1").get(f"{base}/api/v1/audit/verify", timeout=30).json()
    assert verified["ok"] is True
    assert requests.get(f"{base}/api/docs", timeout=30).status_code == 200
