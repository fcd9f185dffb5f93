"""Every error is application/problem+json: never an HTML page, never a traceback."""

from __future__ import annotations

import pytest
from flask import Blueprint

from api.endpoint import endpoint


@pytest.fixture
def client(app, organisation):
    return app.test_client()


@pytest.mark.parametrize("method,path,kwargs,status", [
    ("get", "/api/v1/nothing-here", {}, 404),
    ("get", "/nothing-at-all", {}, 404),
    ("put", "/api/v1/session", {}, 405),
    ("post", "/api/v1/session", {"data": "{not json", "content_type": "application/json"}, 400),
    ("post", "/api/v1/session", {"data": "user=x", "content_type": "application/x-www-form-urlencoded"}, 415),
    ("post", "/api/v1/session", {"json": {"username": "x"}}, 422),
    ("post", "/api/v1/session", {"json": ["not", "an", "object"]}, 422),
    ("get", "/api/v1/instances", {}, 401),
])
def test_errors_are_problem_documents(client, method, path, kwargs, status):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["type"].startswith("urn:yiwang:problem:") and body["title"]
    assert b"<html" not in response.data.lower() and b"Traceback" not in response.data


def test_invalid_fields_are_listed_with_json_pointers(client):
    body = client.post("/api/v1/session", json={"username": "", "extra": 1}).get_json()
    pointers = {e["pointer"] for e in body["errors"]}
    assert pointers == {"/username", "/password", "/extra"}


def test_a_method_not_allowed_says_which_are(client):
    response = client.put("/api/v1/session")
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_failure_is_a_500_problem_without_details(app, as_user, caplog):
    broken = Blueprint("broken", __name__)

    @broken.get("/api/v1/broken")
    @endpoint("always fails")
    def fail():
        raise RuntimeError("secret internals")

    app.register_blueprint(broken)
    response = as_user("clerk1").get("/api/v1/broken")
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert b"secret internals" not in response.data and b"Traceback" not in response.data
    assert "secret internals" in caplog.text


def test_too_large_uploads_are_refused(app, as_user):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = as_user("designer1").post("/api/v1/definitions", data=b"<x/>" * 1000, content_type="application/xml")
    assert response.status_code == 413 and response.mimetype == "application/problem+json"


def test_a_failing_statement_never_puts_its_parameters_in_the_log(app, as_user, env, caplog):
    """A database error that reaches the 500 handler is logged without the values it carried
    (they may be ID numbers, password hashes or tokens)."""
    from sqlalchemy import text

    resident_id = "11010519491231002X"
    broken = Blueprint("broken_sql", __name__)

    @broken.get("/api/v1/broken-sql")
    @endpoint("a statement that fails")
    def fail():
        with env.unit_of_work() as uow:
            uow.session.execute(text("SELECT * FROM no_such_table WHERE id_number = :n"), {"n": resident_id})

    app.register_blueprint(broken)
    response = as_user("clerk1").get("/api/v1/broken-sql")
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert resident_id.encode() not in response.data
    assert "no_such_table" in caplog.text  # the failure is logged ...
    assert resident_id not in caplog.text  # ... without the values
