"""Accounts and access: passwords, lockout, sessions (idle timeout, CSRF), scoped revocable tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from api import config
from api.models import ApiToken, User, WebSession
from api_kit import PASSWORD, START, audit_rows
from api_kit import login as signed_in
from engine.models import utcnow


def login(app, username, password=PASSWORD):
    return app.test_client().post("/api/v1/session", json={"username": username, "password": password})


def test_logging_in_gives_an_httponly_session_cookie_and_a_csrf_token(app, organisation):
    response = login(app, "clerk1")
    assert response.status_code == 200
    body = response.get_json()
    assert body["roles"] == ["clerk"] and body["groups"] == ["window"] and body["csrf_token"]
    cookie = response.headers["Set-Cookie"]
    assert "yiwang_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_wrong_password_is_refused_audited_and_counted(app, env, organisation):
    response = login(app, "clerk1", "wrong-Password-1")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"] == "urn:yiwang:problem:login-failed"
    (record,) = audit_rows(env, action="auth.login")
    assert (record.result, record.actor, record.details) == ("denied", "clerk1", {"reason": "wrong-password"})
    with env.unit_of_work() as uow:
        assert uow.session.scalar(select(User.failed_logins).where(User.username == "clerk1")) == 1


def test_an_unknown_user_is_refused_like_a_wrong_password_and_audited(app, env, organisation):
    response = login(app, "nobody")
    assert response.status_code == 401
    assert response.get_json()["title"] == login(app, "clerk1", "wrong-Password-1").get_json()["title"]
    assert [r.details["reason"] for r in audit_rows(env, actor="nobody")] == ["unknown-user"]


def _time_passes(env, seconds: int) -> None:
    """Move every login wait that much nearer its end (as if the client had waited)."""
    from api.models import LoginThrottle

    with env.unit_of_work() as uow:
        for row in uow.session.scalars(select(LoginThrottle)):
            if row.blocked_until is not None:
                row.blocked_until -= timedelta(seconds=seconds)
        uow.commit()


def _wait_of(env, username: str) -> int:
    from api.models import LoginThrottle

    with env.unit_of_work() as uow:
        row = uow.session.scalars(select(LoginThrottle).where(LoginThrottle.username == username)).one()
        return 0 if row.blocked_until is None else round((row.blocked_until - row.last_failed_at).total_seconds())


def test_failures_from_one_client_make_it_wait_longer_then_lock_it_out_of_the_account(app, env, organisation):
    waits = []
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        assert login(app, "clerk2", "wrong-Password-1").status_code == 401
        waits.append(_wait_of(env, "clerk2"))
        if waits[-1]:
            early = login(app, "clerk2")  # even the right password waits, and is not checked
            assert early.status_code == 429 and 0 < int(early.headers["Retry-After"]) <= waits[-1]
        if len(waits) < app.config["LOCKOUT_THRESHOLD"]:
            _time_passes(env, 300)
    assert waits == [0, 1, 2, 4, app.config["LOCKOUT_MINUTES"] * 60]
    locked = login(app, "clerk2")
    assert locked.status_code == 429 and locked.mimetype == "application/problem+json"
    reasons = [r.details.get("reason") for r in reversed(audit_rows(env, actor="clerk2"))]
    assert reasons[-3:] == ["wrong-password-locked", "locked-for-source", "locked-for-source"]
    assert reasons.count("throttled") == 3


def test_a_client_locked_out_of_an_account_does_not_lock_out_its_owner(app, env, organisation):
    stranger = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        app.test_client().post("/api/v1/session", json={"username": "clerk2", "password": "wrong-Password-1"},
                               environ_base=stranger)
        _time_passes(env, 300)
    refused = app.test_client().post("/api/v1/session", json={"username": "clerk2", "password": PASSWORD},
                                     environ_base=stranger)
    assert refused.status_code == 429 and refused.get_json()["type"] == "urn:yiwang:problem:rate-limited"
    assert login(app, "clerk2").status_code == 200  # the owner, from their own desk
    sec = signed_in(app, "sec")
    shown = sec.get(f"/api/v1/users/{organisation['clerk2']}").get_json()
    assert shown["locked"] is True and shown["locked_sources"] == ["203.0.113.9"]
    unlocked = sec.post(f"/api/v1/users/{organisation['clerk2']}/unlock")
    assert unlocked.status_code == 200 and unlocked.get_json()["locked"] is False
    (record,) = audit_rows(env, action="user.unlocked")
    assert (record.actor, record.object_id) == ("sec", str(organisation["clerk2"]))
    assert app.test_client().post("/api/v1/session", json={"username": "clerk2", "password": PASSWORD},
                                  environ_base=stranger).status_code == 200


def test_a_successful_login_resets_the_failure_count(app, env, organisation):
    login(app, "clerk1", "wrong-Password-1")
    assert login(app, "clerk1").status_code == 200
    with env.unit_of_work() as uow:
        assert uow.session.scalar(select(User.failed_logins).where(User.username == "clerk1")) == 0


def test_an_idle_session_ends(app, env, as_user):
    clerk = as_user("clerk1")
    assert clerk.get("/api/v1/session").status_code == 200
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    with env.unit_of_work() as uow:
        uow.session.execute(update(WebSession).values(last_seen_at=utcnow() - idle))
        uow.commit()
    response = clerk.get("/api/v1/session")
    assert response.status_code == 401 and "session has ended" in response.get_json()["title"]


def test_logging_out_ends_the_session(as_user):
    clerk = as_user("clerk1")
    assert clerk.delete("/api/v1/session").status_code == 204
    assert clerk.get("/api/v1/tasks").status_code == 401


def test_state_changing_browser_calls_need_the_csrf_header(as_user, deployed):
    clerk = as_user("clerk1")
    body = {"process_id": "one_window_approval", "data": START}
    refused = clerk.post("/api/v1/instances", json=body, headers={"X-CSRF-Token": "forged"})
    assert refused.status_code == 403 and refused.get_json()["type"].endswith("csrf-failed")
    clerk.headers.pop("X-CSRF-Token")
    assert clerk.post("/api/v1/instances", json=body).status_code == 403
    assert clerk.get("/api/v1/instances").status_code == 200  # reads need no token


def test_a_password_must_meet_the_policy(as_user, organisation):
    sec = as_user("sec")
    response = sec.post("/api/v1/users", json={"username": "weak", "password": "short", "roles": ["clerk"]})
    assert response.status_code == 422
    messages = {e["message"] for e in response.get_json()["errors"]}
    assert any("at least 12" in m for m in messages) and any("three of" in m for m in messages)


def test_changing_my_password_needs_the_old_one(as_user, app):
    clerk = as_user("clerk1")
    wrong = clerk.post("/api/v1/session/password", json={"old_password": "nope", "new_password": "Another-Pass-77"})
    assert wrong.status_code == 422
    ok = clerk.post("/api/v1/session/password", json={"old_password": PASSWORD, "new_password": "Another-Pass-77"})
    assert ok.status_code == 204
    assert login(app, "clerk1", "Another-Pass-77").status_code == 200


def test_passwords_are_stored_as_argon2id_hashes(env, organisation):
    with env.unit_of_work() as uow:
        stored = uow.session.scalar(select(User.password_hash).where(User.username == "clerk1"))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_token_is_shown_once_stored_as_a_hash_and_revocable(as_user, app, env):
    integrator = as_user("integrator1")
    created = integrator.post("/api/v1/tokens", json={"name": "gateway", "scopes": ["read"]})
    assert created.status_code == 201
    raw = created.get_json()["token"]
    with env.unit_of_work() as uow:
        stored = uow.session.scalars(select(ApiToken)).one()
        assert stored.token_hash != raw and raw not in stored.token_hash
    bearer = {"Authorization": f"Bearer {raw}"}
    client = app.test_client()
    assert client.get("/api/v1/instances", headers=bearer).status_code == 200
    assert "token" not in integrator.get("/api/v1/tokens").get_json()[0]
    assert integrator.delete(f"/api/v1/tokens/{created.get_json()['id']}").status_code == 204
    assert client.get("/api/v1/instances", headers=bearer).status_code == 401


def test_a_token_can_do_only_what_its_scopes_allow(with_token, deployed):
    reader = with_token("integrator1", ["read"])
    response = reader.post("/api/v1/instances", json={"process_id": "one_window_approval", "data": {}})
    assert response.status_code == 403 and "instances:start" in response.get_json()["title"]
    starter = with_token("integrator1", ["start"])
    started = starter.post("/api/v1/instances", json={"process_id": "one_window_approval", "data": START})
    assert started.status_code == 201


def test_tokens_cannot_mint_tokens(with_token):
    reader = with_token("integrator1", ["read"])
    assert reader.post("/api/v1/tokens", json={"name": "x", "scopes": ["read"]}).status_code == 403


def test_someone_elses_token_cannot_be_revoked(as_user, with_token, env):
    as_user("integrator1").post("/api/v1/tokens", json={"name": "mine", "scopes": ["read"]})
    with env.unit_of_work() as uow:
        token_id = uow.session.scalars(select(ApiToken.id)).first()
    assert as_user("clerk1").delete(f"/api/v1/tokens/{token_id}").status_code == 403
    assert as_user("sec").delete(f"/api/v1/tokens/{token_id}").status_code == 204


def test_an_unknown_bearer_token_is_refused(app, organisation):
    response = app.test_client().get("/api/v1/tasks", headers={"Authorization": "Bearer yw_forged"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_production_without_a_secret_refuses_to_start(tmp_path):
    values = config.load(environ={}, overrides={})
    with pytest.raises(config.ConfigError, match="YIWANG_SECRET_KEY is not set"):
        config.secret_key(values, config.is_production(values, "postgresql+psycopg://db/yiwang"), str(tmp_path))


def test_the_embedded_default_generates_and_keeps_a_secret(tmp_path):
    values = config.load(environ={}, overrides={})
    first = config.secret_key(values, config.is_production(values, "sqlite:///x.sqlite3"), str(tmp_path))
    assert len(first) >= 32 and first == config.secret_key(values, False, str(tmp_path))
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_session_cookies_are_secure_in_production():
    values = config.load(environ={}, overrides={})
    assert config.cookie_secure(values, production=True) is True
    assert config.cookie_secure(values, production=False) is False
