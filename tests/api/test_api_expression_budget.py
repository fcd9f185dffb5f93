"""A condition that blows its budget fails fast and stalls no other request (issue 16, #2).

The server is gunicorn with ONE worker of eight threads, as the embedded server runs: the
case's request and everyone else's share one process and one interpreter lock. While a clerk
starts a case whose gateway condition is hostile, health checks keep going to the same worker;
each must answer at once, and the hostile case must fail within its budget with a problem,
starting nothing. Before the fix, ``set()`` of 24,900 numbers sharing one hash ran for 4-13 s
inside one C call, and every other request of the worker waited for it.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests
from sqlalchemy import func, select

from engine.models import ProcessInstance
from live_kit import gunicorn_server, session_for
from support.paths import DATA

GATEWAY = DATA / "security" / "gateway_condition.bpmn"
HOSTILE = {
    "numbers sharing one hash": "len(set(range(0, 24900*2305843009213693951, 2305843009213693951))) > 0",
    "a budget of steps spent": "len([1 for a in range(1000) for b in range(1000)]) > 0",
}


def poll_health(base: str, stop: threading.Event, latencies: list[float]) -> None:
    with requests.Session() as http:
        while not stop.is_set():
            started = time.perf_counter()
            assert http.get(f"{base}/healthz", timeout=60).ok
            latencies.append(time.perf_counter() - started)
            time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize("condition", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_condition_fails_within_its_budget_while_the_worker_keeps_answering(
        condition, db_engine, tmp_path, as_user, env):
    bpmn = GATEWAY.read_text(encoding="utf-8").replace("amount &gt; 1000", condition.replace(">", "&gt;"))
    deployed = as_user("designer1").post("/api/v1/definitions", data=bpmn.encode(), content_type="application/xml",
                                         query_string={"filename": GATEWAY.name})
    assert deployed.status_code == 201, deployed.get_json()  # the deploy check lets it through
    url = db_engine.url.render_as_string(hide_password=False)
    with gunicorn_server(url, tmp_path, workers=1, threads=8) as base:
        clerk = session_for(base, "clerk1")
        stop, latencies = threading.Event(), []
        poller = threading.Thread(target=poll_health, args=(base, stop, latencies))
        poller.start()
        time.sleep(0.3)  # the worker is answering health checks before the case arrives
        started = time.perf_counter()
        response = clerk.post(f"{base}/api/v1/instances", json={"process_id": "gateway_condition",
                                                                "data": {"amount": 5}}, timeout=120)
        took = time.perf_counter() - started
        time.sleep(0.3)
        stop.set()
        poller.join(120)

    assert len(latencies) >= 10
    assert max(latencies) < 2.0, f"a health check waited {max(latencies):.1f} s behind the case"
    assert took < 3.0, f"the case took {took:.1f} s against a 0.5 s budget"
    assert response.status_code == 422, response.text[:500]
    assert response.headers["Content-Type"].startswith("application/problem+json")
    with env.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0
