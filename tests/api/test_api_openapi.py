"""The OpenAPI document: generated from the code, served with a browsable page, and fuzzed by schemathesis."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import accounts
from api_kit import EXAMPLE, PASSWORD, bundle_zip
from support import second_factor


def test_the_document_covers_every_api_route(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule) for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/v1/")}
    assert routes == set(document["paths"])
    start = document["paths"]["/api/v1/instances"]["post"]
    assert {p["name"] for p in start["parameters"] if p["in"] == "header"} == {"Idempotency-Key"}
    assert start["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Start"}
    assert "application/problem+json" in start["responses"]["422"]["content"]
    deploy = document["paths"]["/api/v1/definitions"]["post"]["requestBody"]["content"]
    assert set(deploy) == {"application/xml", "application/zip", "multipart/form-data"}


def test_the_docs_page_works_offline(app):
    client = app.test_client()
    page = client.get("/api/docs")
    assert page.status_code == 200 and b"swagger-ui-bundle.js" in page.data
    assert b"http://" not in page.data and b"https://" not in page.data
    for asset in re.findall(rb'(?:src|href)="(/api/docs/[^"]+)"', page.data):
        response = client.get(asset.decode())
        response.close()
        assert response.status_code == 200, asset


@pytest.fixture
def fuzzer_headers(app, env, organisation):
    """A session of a user with many roles, so most operations get past authorisation.

    No real account holds an administrator role beside business roles (三权分立); the
    fuzzer's roles are written straight into the table to reach every operation at once.
    """
    from api.models import UserRole

    user_id = accounts.create_user(env.unit_of_work(), "fuzzer", password=PASSWORD, min_length=12,
                                   roles=["designer", "clerk", "approver", "supervisor"], groups=["window", "market"])
    with env.unit_of_work() as uow:
        uow.session.add(UserRole(user_id=user_id, role="security_admin"))
        uow.commit()
    second_factor.enrol(env, "fuzzer")  # a security administrator gives their second factor's code
    login = app.test_client().post("/api/v1/session", json={"username": "fuzzer", "password": PASSWORD,
                                                            "code": second_factor.code_for("fuzzer")})
    return {"Cookie": login.headers["Set-Cookie"].split(";", 1)[0], "X-CSRF-Token": login.get_json()["csrf_token"]}


@pytest.mark.slow
def test_the_api_keeps_its_documented_contract(app, deployed, demo, fuzzer_headers):
    """Every operation, a few generated requests each: no 500s, answers as documented."""
    # Bundle uploads: no zip, an empty one, one that is not an item bundle.
    schemathesis.openapi.media_type("application/zip", st.sampled_from(
        [b"PK\x03\x04 not really", bundle_zip(EXAMPLE / "forms"), bundle_zip(EXAMPLE)]))
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    # Logging out or changing one's password would end the session the rest of the run uses.
    schema = schema.exclude(method="DELETE", path="/api/v1/session").exclude(path="/api/v1/session/password")
    failures, tested = {}, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        tested += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=fuzzer_headers)

        try:
            check()
        except (Exception, BaseExceptionGroup) as err:  # noqa: BLE001 - report every operation
            failures[operation.label] = f"{type(err).__name__}: {err}"[:2000]
    assert tested >= 50
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
