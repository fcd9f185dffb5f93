"""Login floods and guessing over real HTTP: 429 with Retry-After, and no stranger locks out staff.

Clients are told apart by the address a trusted proxy reports (``X-Forwarded-For`` with
``TRUSTED_PROXIES=1``), as behind the hall's reverse proxy.
"""

from __future__ import annotations

import os
import uuid

import pytest
import requests

from api_kit import PASSWORD
from live_kit import all_at_once, gunicorn_server, threaded_server
from support.limits import UNTHROTTLED

REDIS_URL = os.environ.get("YIWANG_TEST_REDIS_URL")
STRANGER, STAFF_DESK = "203.0.113.9", "10.20.30.40"


def limited_app(db_engine, tmp_path, **limits):
    """A web process on the test database with real limits (the suite's own apps raise them)."""
    from api.app import create_app
    from engine.config import EngineConfig

    url = db_engine.url.render_as_string(hide_password=False)
    return create_app({
        "ENGINE": EngineConfig(database_url=url, jobs="inline"), "DB_ENGINE": db_engine,
        "SECRET_KEY": "test-secret-" + "x" * 40, "TESTING": True, "COOKIE_SECURE": "false",
        "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 1024, "TRUSTED_PROXIES": 1,
        "MATERIALS_DIR": str(tmp_path / "materials"), **{**UNTHROTTLED, **limits}})


def attempt(base: str, username: str, password: str, address: str) -> requests.Response:
    return requests.post(f"{base}/api/v1/session", json={"username": username, "password": password},
                         headers={"X-Forwarded-For": address}, timeout=60)


def test_a_flood_of_logins_from_one_client_is_answered_429_with_retry_after(db_engine, tmp_path, organisation):
    # MAX_IN_FLIGHT off: the forty arrive at once, and it is the rate limit that is shown answering them.
    app = limited_app(db_engine, tmp_path, LOGIN_RATE_LIMIT="10 per minute", MAX_IN_FLIGHT=0)
    with threaded_server(app) as base:
        answers = all_at_once([lambda n=n: attempt(base, f"guess{n}", "Wrong-Password-1", STRANGER)
                               for n in range(40)])
        other = attempt(base, "clerk1", PASSWORD, STAFF_DESK)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [401] * 10 + [429] * 30, statuses
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:yiwang:problem:rate-limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 61
    assert other.status_code == 200  # another client is not held back by the flood
    app.extensions["yiwang"].dispatcher.close()


def test_a_stranger_guessing_the_security_administrators_password_does_not_lock_them_out(
        db_engine, tmp_path, organisation):
    app = limited_app(db_engine, tmp_path, LOGIN_RATE_LIMIT="100 per minute")
    with threaded_server(app) as base:
        guesses = [attempt(base, "sec", f"Guess-Number-{n}", STRANGER).status_code for n in range(20)]
        staff = attempt(base, "sec", PASSWORD, STAFF_DESK)
    # The stranger is slowed down at once (1, 2, 4 ... s between guesses); its owner is not.
    assert guesses[:2] == [401, 401] and guesses.count(429) >= 10, guesses
    assert staff.status_code == 200, staff.text
    app.extensions["yiwang"].dispatcher.close()


def test_guesses_spread_over_many_addresses_meet_the_accounts_limit_but_not_its_owner(
        db_engine, tmp_path, organisation):
    app = limited_app(db_engine, tmp_path, LOGIN_ACCOUNT_RATE_LIMIT="5 per hour")
    with threaded_server(app) as base:
        assert attempt(base, "auditor1", PASSWORD, STAFF_DESK).status_code == 200  # the owner's desk
        spread = [attempt(base, "auditor1", "Wrong-Password-1", f"198.51.100.{n}").status_code for n in range(8)]
        owner = attempt(base, "auditor1", PASSWORD, STAFF_DESK)
        elsewhere = attempt(base, "auditor1", PASSWORD, "198.51.100.99")
    assert spread == [401] * 5 + [429] * 3, spread
    assert owner.status_code == 200
    assert elsewhere.status_code == 429
    app.extensions["yiwang"].dispatcher.close()


def test_every_anonymous_endpoint_shares_a_limit_per_client_that_signed_in_callers_do_not_meet(
        db_engine, tmp_path, organisation):
    app = limited_app(db_engine, tmp_path, PUBLIC_RATE_LIMIT="5 per minute")
    with threaded_server(app) as base:
        paths = ["/api/v1/items", "/api/v1/licences/keys", "/api/v1/items", "/api/v1/regions", "/api/v1/items",
                 "/api/v1/items", "/api/v1/licences/keys"]
        anonymous = [requests.get(f"{base}{p}", headers={"X-Forwarded-For": STRANGER}, timeout=30) for p in paths]
        clerk = requests.Session()
        clerk.post(f"{base}/api/v1/session", json={"username": "clerk1", "password": PASSWORD},
                   headers={"X-Forwarded-For": STAFF_DESK}, timeout=30)
        signed_in = [clerk.get(f"{base}/api/v1/items", headers={"X-Forwarded-For": STAFF_DESK}, timeout=30)
                     for _ in range(8)]
    assert [a.status_code for a in anonymous][5:] == [429, 429]
    assert all(a.status_code != 429 for a in anonymous[:5])
    assert [s.status_code for s in signed_in] == [200] * 8
    app.extensions["yiwang"].dispatcher.close()


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="YIWANG_TEST_REDIS_URL is not set")
def test_the_limit_holds_across_gunicorn_workers_with_its_counters_in_redis(db_engine, tmp_path, organisation):
    url = db_engine.url.render_as_string(hide_password=False)
    with gunicorn_server(url, tmp_path, workers=2, threads=4, RATE_LIMIT_STORAGE=REDIS_URL,
                         RATE_LIMIT_PREFIX=f"test-{uuid.uuid4().hex[:8]}", LOGIN_RATE_LIMIT="6 per minute",
                         TRUSTED_PROXIES="1") as base:
        answers = [attempt(base, f"guess{n}", "Wrong-Password-1", STRANGER) for n in range(20)]
    statuses = [a.status_code for a in answers]
    assert statuses == [401] * 6 + [429] * 14, statuses
