"""Overload answers 503 with Retry-After, never a 500, and retrying afterwards succeeds.

Two sources: the admission limit (more requests at once than ``MAX_IN_FLIGHT``) and
database trouble (no pooled connection free, a lost or refused connection, a
PostgreSQL shutdown, serialization failure or deadlock, SQLite busy). The problem
document never carries the driver's text, which may quote statements and values.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

import psycopg
import pytest
import requests
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from api_kit import RESIDENT_ID, START
from engine.db import make_db_engine
from engine.models import ProcessInstance
from live_kit import all_at_once, copies, session_for, threaded_server
from support.limits import UNTHROTTLED

STATEMENT = "UPDATE work_task SET data=%(data)s WHERE id=%(id)s"
PARAMETERS = {"data": {"id_number": RESIDENT_ID}, "id": "t-1"}


def wrapped(cls, orig, **kwargs):
    return cls(STATEMENT, PARAMETERS, orig, **kwargs)


TRANSIENT = {
    "pool exhausted": sa_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached, connection timed out"),
    "connection lost": sa_exc.DisconnectionError("connection was lost"),
    "SQLite locked": wrapped(sa_exc.OperationalError, sqlite3.OperationalError("database is locked")),
    "SQLite busy": wrapped(sa_exc.OperationalError, sqlite3.OperationalError("database table is locked: work_task")),
    "PostgreSQL refused": wrapped(sa_exc.OperationalError, psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused')),
    "PostgreSQL admin shutdown": wrapped(sa_exc.OperationalError, psycopg.errors.AdminShutdown(
        "terminating connection due to administrator command")),
    "serialization failure": wrapped(sa_exc.OperationalError, psycopg.errors.SerializationFailure(
        "could not serialize access due to concurrent update")),
    "deadlock": wrapped(sa_exc.OperationalError, psycopg.errors.DeadlockDetected("deadlock detected")),
    "connection invalidated": wrapped(sa_exc.InterfaceError, psycopg.InterfaceError("the connection is lost"),
                                      connection_invalidated=True),
}
# Programming errors stay 500s: retrying would not help.
BUGS = {
    "no such table": wrapped(sa_exc.OperationalError, sqlite3.OperationalError("no such table: work_tsak")),
    "integrity": wrapped(sa_exc.IntegrityError, sqlite3.IntegrityError("UNIQUE constraint failed: app_user.id")),
}
DRIVER_TEXT = ("locked", "QueuePool", "administrator", "serialize", "deadlock", "5432", "work_task", "UPDATE",
               RESIDENT_ID, "Traceback", "no such table", "UNIQUE")


@pytest.fixture
def raising(app):
    """A client of an app with a route that raises the exception it is given."""
    holder = {}

    def boom():
        raise holder["error"]

    app.add_url_rule("/test/raise", "test_raise", boom)
    client = app.test_client()

    def call(error: Exception):
        holder["error"] = error
        return client.get("/test/raise")

    return call


@pytest.mark.parametrize("error", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_transient_database_trouble_is_a_503_with_retry_after_and_no_driver_text(raising, app, caplog, error):
    with caplog.at_level(logging.WARNING):
        response = raising(error)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(app.config["RETRY_AFTER_SECONDS"])
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["type"] == "urn:yiwang:problem:database-unavailable" and problem["status"] == 503
    assert problem["retry_after"] == app.config["RETRY_AFTER_SECONDS"]
    for text in DRIVER_TEXT:
        assert text not in response.get_data(as_text=True)
        assert text not in caplog.text  # the log names the error's class, not its text
    assert "answered 503" in caplog.text


@pytest.mark.parametrize("error", BUGS.values(), ids=BUGS.keys())
def test_database_errors_a_retry_would_not_fix_stay_500s_without_driver_text(raising, error):
    response = raising(error)
    assert response.status_code == 500 and "Retry-After" not in response.headers
    assert response.get_json()["type"] == "urn:yiwang:problem:internal-error"
    for text in DRIVER_TEXT:
        assert text not in response.get_data(as_text=True)


def serving_app(db_engine, tmp_path, **settings):
    """Another web process on the test database, with its own settings."""
    from api.app import create_app
    from engine.config import EngineConfig

    url = db_engine.url.render_as_string(hide_password=False)
    engine = settings.pop("DB_ENGINE", db_engine)
    return create_app({
        "ENGINE": EngineConfig(database_url=url, jobs="inline"), "DB_ENGINE": engine,
        "SECRET_KEY": "test-secret-" + "x" * 40, "TESTING": True, "COOKIE_SECURE": "false",
        "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 1024, "RETRY_AFTER_SECONDS": 1,
        "MATERIALS_DIR": str(tmp_path / "materials"), **UNTHROTTLED, **settings})


def test_a_process_at_its_limit_refuses_at_once_answers_its_health_check_and_recovers(db_engine, tmp_path, app):
    busy = serving_app(db_engine, tmp_path, MAX_IN_FLIGHT=1)
    entered, release = threading.Event(), threading.Event()

    def slow():
        entered.set()
        release.wait(30)
        return "done"

    busy.add_url_rule("/test/slow", "test_slow", slow)
    holder = threading.Thread(target=lambda: busy.test_client().get("/test/slow"))
    holder.start()
    try:
        assert entered.wait(30)
        started = time.monotonic()
        refused = busy.test_client().get("/api/openapi.json")
        assert time.monotonic() - started < 1  # refused straight away, not after waiting
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
        assert refused.get_json()["type"] == "urn:yiwang:problem:overloaded"
        assert busy.test_client().get("/healthz").status_code == 200
    finally:
        release.set()
        holder.join(30)
    assert busy.test_client().get("/api/openapi.json").status_code == 200
    busy.extensions["yiwang"].dispatcher.close()


def _flood(base: str, http: requests.Session, count: int) -> list[tuple[str, dict, dict, requests.Response]]:
    """``count`` clerks at once: half start a case (each with its own key), half read their queue."""
    requests_made = []
    for n in range(count):
        if n % 2:
            requests_made.append(("get", {"url": f"{base}/api/v1/tasks"}, {}))
        else:
            requests_made.append(("post", {"url": f"{base}/api/v1/instances",
                                           "json": {"process_id": "one_window_approval", "data": START}},
                                  {"Idempotency-Key": f"flood-{n}"}))
    sessions = copies(http, count)
    responses = all_at_once([
        lambda s=s, m=m, a=a, h=h: getattr(s, m)(**a, headers=h, timeout=120)
        for s, (m, a, h) in zip(sessions, requests_made)])
    return [(m, a, h, r) for (m, a, h), r in zip(requests_made, responses)]


def _check_and_retry(http: requests.Session, outcomes, refused_type: str) -> int:
    """Every answer is 2xx, or 503 with Retry-After and a problem; retried afterwards, each succeeds."""
    assert not [r for *_, r in outcomes if isinstance(r, Exception)]
    statuses = [r.status_code for *_, r in outcomes]
    assert set(statuses) <= {200, 201, 503}, [(r.status_code, r.text[:300]) for *_, r in outcomes]
    refused = [(m, a, h, r) for m, a, h, r in outcomes if r.status_code == 503]
    for *_, response in refused:
        assert int(response.headers["Retry-After"]) >= 1
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json()["type"] == refused_type
    if refused:
        time.sleep(int(refused[0][3].headers["Retry-After"]))
    for method, arguments, headers, _ in refused:
        again = getattr(http, method)(**arguments, headers=headers, timeout=120)
        assert again.status_code in (200, 201), again.text
    return len(refused)


def _cases(db_engine) -> int:
    with db_engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(ProcessInstance))


@pytest.mark.slow
def test_a_flood_beyond_the_admission_limit_is_answered_503_with_retry_after_and_nothing_is_lost(
        db_engine, tmp_path, deployed):
    flood = 40
    limited = serving_app(db_engine, tmp_path, MAX_IN_FLIGHT=3)
    try:
        with threaded_server(limited) as base:
            http = session_for(base, "clerk1")
            outcomes = _flood(base, http, flood)
            refused = _check_and_retry(http, outcomes, "urn:yiwang:problem:overloaded")
    finally:
        limited.extensions["yiwang"].dispatcher.close()
    assert refused > 0, "the flood never reached the limit"
    assert _cases(db_engine) == flood // 2  # every start happened once: none lost, none twice


@pytest.mark.slow
def test_a_flood_that_exhausts_the_database_pool_is_answered_503_not_500(db_engine, tmp_path, deployed):
    flood = 24
    url = db_engine.url.render_as_string(hide_password=False)
    small_pool = make_db_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.05)
    starved = serving_app(db_engine, tmp_path, MAX_IN_FLIGHT=0, DB_ENGINE=small_pool)
    try:
        with threaded_server(starved) as base:
            http = session_for(base, "clerk1")
            outcomes = _flood(base, http, flood)
            refused = _check_and_retry(http, outcomes, "urn:yiwang:problem:database-unavailable")
    finally:
        starved.extensions["yiwang"].dispatcher.close()
        small_pool.dispose()
    assert refused > 0, "the pool was never exhausted"
    assert _cases(db_engine) == flood // 2


def test_the_api_document_declares_503_with_retry_after_on_every_operation(app):
    paths = app.test_client().get("/api/openapi.json").get_json()["paths"]
    operations = [op for item in paths.values() for op in item.values()]
    assert operations
    for operation in operations:
        assert "Retry-After" in operation["responses"]["503"]["headers"], operation["operationId"]
