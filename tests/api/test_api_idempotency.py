"""Idempotency-Key on opening a case (POST /cases) and correlating a message (POST /messages).

A retry with the same key and body answers with the first result (200 and
``Idempotency-Replayed: true``); the same key with another body is refused and
does nothing; requests racing with one key over real HTTP still open one case and
correlate one message.
"""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from api.demo import PASSWORD as DEMO_PASSWORD
from api.models import IdempotencyRecord
from api_kit import audit_rows
from case_api_kit import BUYER_ID, REAL_ESTATE, real_estate_application
from engine.models import HistoryEvent, ProcessInstance
from live_kit import all_at_once, copies, session_for, threaded_server
from processes.case_models import Case
from support.paths import DATA

PAYMENT = DATA / "api" / "payment_wait.bpmn"
RACERS = 8


def count(env, model, *where) -> int:
    with env.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def opening(**data_changes) -> dict:
    return {"item_code": REAL_ESTATE, "channel": "online", "data": real_estate_application(**data_changes),
            "applicant": {"id_number": BUYER_ID, "kind": "person"}}


@pytest.fixture
def applicant(as_demo, clock):
    clock.set(2026, 9, 28, 10)
    return as_demo("applicant")


@pytest.fixture
def waiting_cases(as_user):
    """Start payment cases waiting for the payment platform's message; returns their ids."""
    designer = as_user("designer1")
    deployed = designer.post("/api/v1/definitions", data=PAYMENT.read_bytes(), content_type="application/xml",
                             query_string={"filename": PAYMENT.name})
    assert deployed.status_code == 201, deployed.get_json()
    clerk = as_user("clerk1")

    def start(*business_keys: str) -> list[str]:
        return [clerk.post("/api/v1/instances", json={"process_id": "payment_wait", "business_key": key})
                .get_json()["id"] for key in business_keys]

    return start


@pytest.fixture
def platform(with_token, grant_processes):
    grant_processes("integrator1", "payment_wait")
    return with_token("integrator1", ["correlate"])


def received(env) -> int:
    return count(env, HistoryEvent, HistoryEvent.action == "message.received")


# -- opening a case ----------------------------------------------------------------------
def test_a_retried_case_opening_answers_with_the_first_receipt_and_opens_one_case(applicant, env):
    key = {"Idempotency-Key": "open-BDC-1"}
    first = applicant.post("/api/v1/cases", json=opening(), headers=key)
    again = applicant.post("/api/v1/cases", json=opening(), headers=key)
    assert (first.status_code, again.status_code) == (201, 200), again.get_json()
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotency-Replayed"] == "true" and "Idempotency-Replayed" not in first.headers
    assert count(env, Case) == 1 and count(env, ProcessInstance) == 1
    records = audit_rows(env, action="case.opened")
    assert [r.details.get("replayed") for r in records] == [True, None]  # newest first
    assert {r.object_id for r in records} == {first.get_json()["case_id"]}


def test_the_same_key_with_another_application_is_refused_and_opens_nothing(applicant, env):
    key = {"Idempotency-Key": "open-BDC-2"}
    assert applicant.post("/api/v1/cases", json=opening(), headers=key).status_code == 201
    other = applicant.post("/api/v1/cases", json=opening(price=199.0), headers=key)
    assert other.status_code == 422
    assert other.get_json()["type"] == "urn:yiwang:problem:idempotency-key-reused"
    assert count(env, Case) == 1
    assert applicant.post("/api/v1/cases", json=opening()).status_code == 201  # no key: a new request
    assert count(env, Case) == 2


def test_a_refused_opening_remembers_nothing_and_the_corrected_retry_opens_the_case(applicant, env):
    key = {"Idempotency-Key": "open-BDC-3"}
    refused = applicant.post("/api/v1/cases", json=opening(transferee_id="110105194912310021"), headers=key)
    assert refused.status_code == 422
    assert count(env, IdempotencyRecord) == 0
    assert applicant.post("/api/v1/cases", json=opening(), headers=key).status_code == 201
    assert count(env, Case) == 1


# -- correlating a message ---------------------------------------------------------------
def test_a_retried_message_moves_the_waiting_case_once(waiting_cases, platform, env):
    (case_id,) = waiting_cases("PAY-1")
    message = {"name": "payment_received", "business_key": "PAY-1", "payload": {"amount": 50}}
    first = platform.post("/api/v1/messages", json=message, headers={"Idempotency-Key": "pay-1"})
    again = platform.post("/api/v1/messages", json=message, headers={"Idempotency-Key": "pay-1"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.get_json() == again.get_json() == {"instance_ids": [case_id]}
    assert again.headers["Idempotency-Replayed"] == "true" and "Idempotency-Replayed" not in first.headers
    assert received(env) == 1
    other = platform.post("/api/v1/messages", json={**message, "payload": {"amount": 60}},
                          headers={"Idempotency-Key": "pay-1"})
    assert other.status_code == 422 and other.get_json()["type"].endswith("idempotency-key-reused")
    assert received(env) == 1


def test_a_message_that_reached_several_cases_is_replayed_with_all_of_them(waiting_cases, platform, env):
    ids = waiting_cases("PAY-2", "PAY-3", "PAY-4")
    message = {"name": "payment_received"}
    first = platform.post("/api/v1/messages", json=message, headers={"Idempotency-Key": "broadcast"})
    again = platform.post("/api/v1/messages", json=message, headers={"Idempotency-Key": "broadcast"})
    assert sorted(first.get_json()["instance_ids"]) == sorted(ids)
    assert again.get_json() == first.get_json()
    assert received(env) == 3


def test_one_key_names_different_requests_for_different_operations_and_callers(waiting_cases, with_token, env,
                                                                              grant_processes):
    (case_id,) = waiting_cases("PAY-5")
    grant_processes("integrator1", "payment_wait")
    platform = with_token("integrator1", ["start", "correlate"])
    shared = {"Idempotency-Key": "same-key"}
    start = {"process_id": "payment_wait", "business_key": "PAY-6"}
    message = {"name": "payment_received", "business_key": "PAY-5"}
    started = platform.post("/api/v1/instances", json=start, headers=shared)
    correlated = platform.post("/api/v1/messages", json=message, headers=shared)
    assert (started.status_code, correlated.status_code) == (201, 200)
    assert correlated.get_json() == {"instance_ids": [case_id]} and received(env) == 1
    assert platform.post("/api/v1/instances", json=start, headers=shared).status_code == 200
    another = with_token("integrator1", ["start"])  # the same account: the same caller, whichever token
    assert another.post("/api/v1/instances", json=start, headers=shared).status_code == 200
    assert count(env, ProcessInstance) == 2


def test_a_key_longer_than_the_column_is_remembered_by_its_digest(waiting_cases, platform, env):
    waiting_cases("PAY-7")
    long_key = {"Idempotency-Key": "k" * 255}
    message = {"name": "payment_received", "business_key": "PAY-7"}
    assert platform.post("/api/v1/messages", json=message, headers=long_key).status_code == 200
    again = platform.post("/api/v1/messages", json=message, headers=long_key)
    assert again.status_code == 200 and again.headers["Idempotency-Replayed"] == "true"
    assert received(env) == 1


# -- racing over real HTTP ---------------------------------------------------------------
def _race(http, url: str, body: dict, key: str) -> list:
    return all_at_once([lambda s=s: s.post(url, json=body, headers={"Idempotency-Key": key}, timeout=120)
                        for s in copies(http, RACERS)])


def _one_first_and_replays(responses, first_status: int) -> None:
    assert not [r for r in responses if isinstance(r, Exception)], responses
    statuses = sorted(r.status_code for r in responses)
    assert statuses == sorted([first_status] + [200] * (RACERS - 1)), \
        [(r.status_code, r.text[:200]) for r in responses]
    assert sum(r.headers.get("Idempotency-Replayed") == "true" for r in responses) == RACERS - 1
    assert len({r.text for r in responses}) == 1


@pytest.mark.slow
def test_openings_racing_with_one_key_open_one_case(app, applicant, env):
    with threaded_server(app) as base:
        http = session_for(base, "applicant", DEMO_PASSWORD)
        responses = _race(http, f"{base}/api/v1/cases", opening(), "race-open")
    _one_first_and_replays(responses, 201)
    assert count(env, Case) == 1 and count(env, ProcessInstance) == 1
    assert count(env, IdempotencyRecord) == 1


@pytest.mark.slow
def test_messages_racing_with_one_key_move_the_case_once(app, waiting_cases, platform, env):
    (case_id,) = waiting_cases("PAY-9")
    message = {"name": "payment_received", "business_key": "PAY-9"}
    with threaded_server(app) as base:
        http = requests.Session()
        http.headers.update(platform.headers)  # the integrator's bearer token
        responses = _race(http, f"{base}/api/v1/messages", message, "race-pay")
    _one_first_and_replays(responses, 200)
    assert responses[0].json() == {"instance_ids": [case_id]}
    assert received(env) == 1


def test_the_api_document_declares_the_key_and_the_replay_on_every_retried_operation(app):
    paths = app.test_client().get("/api/openapi.json").get_json()["paths"]
    for path, first in (("/api/v1/instances", "201"), ("/api/v1/cases", "201"), ("/api/v1/messages", "200")):
        operation = paths[path]["post"]
        assert {p["name"] for p in operation["parameters"] if p["in"] == "header"} == {"Idempotency-Key"}
        for status in {first, "200"}:
            assert "Idempotency-Replayed" in operation["responses"][status]["headers"]
        assert "422" in operation["responses"]
