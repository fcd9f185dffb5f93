"""Deeply nested input is refused with a problem, never a 500 (等保: 入侵防范, input validity).

Each attack is sent over HTTP to a real server: JSON bodies nested 100,000 deep (anonymous, on the
login and licence-verification endpoints), case data a little under Python's recursion limit (it
parses, then breaks whatever walks it), and a JUEL condition nested 3,000 deep in a deployed diagram.
"""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from engine.models import ProcessDefinition, ProcessInstance
from live_kit import session_for, threaded_server
from support.paths import DATA

GATEWAY = DATA / "security" / "gateway_condition.bpmn"


@pytest.fixture
def server(app, organisation):
    with threaded_server(app) as base:
        yield base


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def assert_too_deep(response: requests.Response, status: int = 400) -> dict:
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return response.json()


def count(env, model) -> int:
    with env.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("path", ["/api/v1/session", "/api/v1/licences/verify"])
def test_an_anonymous_body_nested_100000_deep_answers_400(server, path):
    deep = '{"payload": ' + nested(100_000) + "}"
    response = requests.post(f"{server}{path}", data=deep, headers={"Content-Type": "application/json"},
                             timeout=60)
    problem = assert_too_deep(response)
    assert problem["type"] == "urn:yiwang:problem:nested-too-deep" and problem["limit"] == 64


def test_a_body_that_parses_but_nests_past_the_limit_names_where(server):
    body = '{"username": "x", "password": ' + nested(100) + "}"
    response = requests.post(f"{server}/api/v1/session", data=body, headers={"Content-Type": "application/json"},
                             timeout=60)
    problem = assert_too_deep(response)
    assert problem["type"] == "urn:yiwang:problem:nested-too-deep"
    assert problem["pointer"].startswith("/password/0/0/")


def test_case_data_nested_900_deep_starts_no_case(server, as_user, env):
    clerk = session_for(server, "clerk1")
    deployed = session_for(server, "designer1").post(
        f"{server}/api/v1/definitions", data=GATEWAY.read_bytes(), params={"filename": GATEWAY.name},
        headers={"Content-Type": "application/xml"}, timeout=60)
    assert deployed.status_code == 201, deployed.text
    body = '{"process_id": "gateway_condition", "data": {"amount": 5, "deep": ' + nested(900) + "}}"
    response = clerk.post(f"{server}/api/v1/instances", data=body, headers={"Content-Type": "application/json"},
                          timeout=60)
    assert assert_too_deep(response)["type"] == "urn:yiwang:problem:nested-too-deep"
    assert count(env, ProcessInstance) == 0
    fine = clerk.post(f"{server}/api/v1/instances", json={"process_id": "gateway_condition",
                                                           "data": {"amount": 5, "deep": [[[1]]]}}, timeout=60)
    assert fine.status_code == 201, fine.text


def test_a_juel_condition_nested_3000_deep_is_refused_at_deploy_naming_the_flow(server, env):
    condition = "${" + "(" * 3000 + "amount > 1000" + ")" * 3000 + "}"
    bpmn = GATEWAY.read_text(encoding="utf-8").replace("amount &gt; 1000", condition.replace(">", "&gt;"))
    designer = session_for(server, "designer1")
    response = designer.post(f"{server}/api/v1/definitions", data=bpmn.encode(), params={"filename": GATEWAY.name},
                             headers={"Content-Type": "application/xml"}, timeout=60)
    problem = assert_too_deep(response, 422)
    (issue,) = [i for i in problem["issues"] if i["severity"] == "error"]
    assert (issue["code"], issue["element_id"], issue["line"]) == ("juel-unsupported", "f_big", 11)
    assert "nested deeper than 50" in issue["message"]
    assert count(env, ProcessDefinition) == 0
