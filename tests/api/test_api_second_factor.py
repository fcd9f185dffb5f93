"""The three administrators sign in with a second factor (TOTP + recovery codes), over real HTTP."""

from __future__ import annotations

import pyotp
import pytest
import requests
from sqlalchemy import select

from api_kit import PASSWORD, audit_rows
from live_kit import session_for, threaded_server
from support import second_factor

ADMINISTRATORS = ["sec", "admin1", "auditor1"]


@pytest.fixture
def live(app, organisation):
    with threaded_server(app) as base:
        yield base


def _post_login(live, username, password=PASSWORD, **extra):
    http = requests.Session()
    return http, http.post(f"{live}/api/v1/session", json={"username": username, "password": password, **extra},
                           timeout=30)


@pytest.mark.parametrize("username", ADMINISTRATORS)
def test_an_administrators_password_alone_no_longer_signs_in(live, env, username):
    session_for(live, username)  # their first sign-in: the second factor is set up
    http, answer = _post_login(live, username)
    assert answer.status_code == 401, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:yiwang:problem:second-factor-required"
    assert "yiwang_session" not in answer.cookies
    assert http.get(f"{live}/api/v1/session", timeout=30).status_code == 401
    (record, *_) = audit_rows(env, action="auth.login", actor=username)
    assert (record.result, record.details) == ("denied", {"reason": "second-factor-required"})
    http, answer = _post_login(live, username, code=second_factor.code_for(username))
    assert answer.status_code == 200, answer.text
    assert answer.json()["second_factor"] == "enrolled" and answer.json()["permissions"]


def test_a_wrong_code_is_a_failed_login_counted_towards_the_lock(live, app, env):
    from api.models import User

    second_factor.enrol(env, "admin1")
    right = pyotp.TOTP(second_factor.AUTHENTICATORS["admin1"].secret).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    _, answer = _post_login(live, "admin1", code=wrong)
    assert answer.status_code == 401 and answer.json()["type"] == "urn:yiwang:problem:second-factor-failed"
    assert "yiwang_session" not in answer.cookies
    (record, *_) = audit_rows(env, action="auth.login", actor="admin1")
    assert record.details == {"reason": "wrong-second-factor"}
    with env.unit_of_work() as uow:
        assert uow.session.scalar(select(User.failed_logins).where(User.username == "admin1")) == 1
    _, again = _post_login(live, "admin1", code=wrong)  # the second failure: this client waits before a third
    assert again.status_code == 401
    _, waiting = _post_login(live, "admin1", code=right)
    assert waiting.status_code == 429 and int(waiting.headers["Retry-After"]) >= 1


def test_a_code_counts_once(live, env):
    second_factor.enrol(env, "auditor1")
    code = pyotp.TOTP(second_factor.AUTHENTICATORS["auditor1"].secret).now()
    _, first = _post_login(live, "auditor1", code=code)
    assert first.status_code == 200, first.text
    _, replayed = _post_login(live, "auditor1", code=code)  # seen over the shoulder, typed again at once
    assert replayed.status_code == 401 and replayed.json()["type"] == "urn:yiwang:problem:second-factor-failed"
    assert audit_rows(env, action="auth.login", actor="auditor1")[0].details == {"reason": "second-factor-reused"}


def test_a_recovery_code_stands_in_for_the_app_once(live, env):
    from api.models import RecoveryCode

    authenticator = second_factor.enrol(env, "admin1")
    spare = authenticator.recovery_codes[3]
    http, answer = _post_login(live, "admin1", code=spare.upper().replace("-", " "))  # as read off paper
    assert answer.status_code == 200, answer.text
    assert answer.json()["recovery_codes_left"] == 9
    _, again = _post_login(live, "admin1", code=spare)
    assert again.status_code == 401 and again.json()["type"] == "urn:yiwang:problem:second-factor-failed"
    with env.unit_of_work() as uow:
        stored = set(uow.session.scalars(select(RecoveryCode.code_hash)))
    assert len(stored) == 10 and not any(code.replace("-", "") in h for code in authenticator.recovery_codes
                                         for h in stored)


def test_an_administrator_without_a_second_factor_must_set_one_up_before_anything_else(live, env, organisation):
    http, answer = _post_login(live, "sec")
    assert answer.status_code == 200, answer.text
    me = answer.json()
    assert me["second_factor"] == "enrol" and me["permissions"] == [] and me["roles"] == ["security_admin"]
    csrf = {"X-CSRF-Token": me["csrf_token"]}
    for method, path, body in (("get", "/users", None), ("post", "/tokens", {"name": "x", "scopes": ["read"]}),
                               ("post", "/users", {"username": "x1", "password": "Fresh-Account-55"}),
                               ("get", "/tasks", None)):
        refused = getattr(http, method)(f"{live}/api/v1{path}", json=body, headers=csrf, timeout=30)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["type"] == "urn:yiwang:problem:second-factor-enrolment-required"
    started = http.post(f"{live}/api/v1/session/second-factor/enrolment", headers=csrf, timeout=30)
    assert started.status_code == 201, started.text
    enrolment = started.json()
    assert enrolment["otpauth_uri"].startswith("otpauth://totp/yiwang:sec?secret=" + enrolment["secret"])
    assert enrolment["qr_svg"].startswith("data:image/svg+xml")
    wrong = http.post(f"{live}/api/v1/session/second-factor/enrolment/confirm", json={"code": "000000"},
                      headers=csrf, timeout=30)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["pointer"] == "/code"
    enrolling_cookie = http.cookies["yiwang_session"]
    confirmed = http.post(f"{live}/api/v1/session/second-factor/enrolment/confirm", headers=csrf, timeout=30,
                          json={"code": pyotp.TOTP(enrolment["secret"]).now()})
    assert confirmed.status_code == 200, confirmed.text
    assert len(confirmed.json()["recovery_codes"]) == 10 and confirmed.json()["second_factor"] == "enrolled"
    assert http.cookies["yiwang_session"] != enrolling_cookie  # a new session id with the new privileges
    listed = http.get(f"{live}/api/v1/users", headers={"X-CSRF-Token": confirmed.json()["csrf_token"]}, timeout=30)
    assert listed.status_code == 200
    old = requests.get(f"{live}/api/v1/session", cookies={"yiwang_session": enrolling_cookie}, timeout=30)
    assert old.status_code == 401
    from api.models import User

    assert [(r.action, r.result) for r in audit_rows(env, object_type="user", object_id=str(organisation["sec"]))][
        :3] == [("user.second_factor_enrolled", "ok"), ("user.second_factor_enrolled", "failed"),
                ("user.second_factor_enrolment_started", "ok")]
    with env.unit_of_work() as uow:  # the secret is sealed, not stored as such
        stored = uow.session.scalar(select(User.second_factor_secret).where(User.username == "sec"))
    assert enrolment["secret"] not in stored and stored.startswith("v1.")
    _, password_only = _post_login(live, "sec")
    assert password_only.status_code == 401


def test_the_security_administrator_resets_another_administrators_second_factor(live, env, organisation):
    second_factor.enrol(env, "admin1")
    admin = session_for(live, "admin1")
    sec = session_for(live, "sec")
    assert sec.delete(f"{live}/api/v1/users/{organisation['sec']}/second-factor", timeout=30).status_code == 403
    reset = sec.delete(f"{live}/api/v1/users/{organisation['admin1']}/second-factor", timeout=30)
    assert reset.status_code == 204, reset.text
    assert audit_rows(env, action="user.second_factor_reset")[0].actor == "sec"
    assert admin.get(f"{live}/api/v1/session", timeout=30).status_code == 401  # their session ended
    assert sec.get(f"{live}/api/v1/users/{organisation['admin1']}", timeout=30).json()["second_factor"] == "none"
    old_code = second_factor.AUTHENTICATORS["admin1"].secret
    _, with_old_phone = _post_login(live, "admin1", code=pyotp.TOTP(old_code).now())
    assert with_old_phone.json()["second_factor"] == "enrol"  # the holder sets up a new one
    assert session_for(live, "admin1").get(f"{live}/api/v1/incidents", timeout=30).status_code == 200


def test_making_someone_an_administrator_ends_their_sessions_until_they_enrol(live, organisation):
    clerk = session_for(live, "clerk2")
    sec = session_for(live, "sec")
    changed = sec.put(f"{live}/api/v1/users/{organisation['clerk2']}/roles", json={"roles": ["auditor"]}, timeout=30)
    assert changed.status_code == 200 and changed.json()["second_factor"] == "none"
    assert clerk.get(f"{live}/api/v1/session", timeout=30).status_code == 401
    _, answer = _post_login(live, "clerk2")
    assert answer.json()["second_factor"] == "enrol" and answer.json()["permissions"] == []


def test_api_tokens_are_not_asked_for_a_code(live, env, organisation):
    second_factor.enrol(env, "admin1")
    admin = session_for(live, "admin1")
    token = admin.post(f"{live}/api/v1/tokens", json={"name": "ops", "scopes": ["read"]}, timeout=30).json()["token"]
    read = requests.get(f"{live}/api/v1/definitions", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert read.status_code == 200, read.text


def test_people_who_are_not_administrators_sign_in_with_their_password(live):
    _, answer = _post_login(live, "clerk1")
    assert answer.status_code == 200 and answer.json()["second_factor"] == "none"


def test_a_second_factor_is_set_up_only_in_the_session_that_must_set_one_up(as_user, with_token, env):
    from api.models import User

    second_factor.enrol(env, "auditor1")
    for client in (as_user("clerk1"), as_user("auditor1")):  # a stolen session cannot lock its owner out
        refused = client.post("/api/v1/session/second-factor/enrolment")
        assert refused.status_code == 403, refused.get_json()
    token = with_token("integrator1", ["read"])
    assert token.post("/api/v1/session/second-factor/enrolment").status_code == 403
    with env.unit_of_work() as uow:
        assert uow.session.scalar(select(User.second_factor_secret).where(User.username == "clerk1")) is None
