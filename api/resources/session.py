"""Logging in and out, the caller's own account, and their API tokens."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request

from .. import accounts, credentials
from ..auditing import context, created, work
from ..auth import SESSION_COOKIE, env, reading, require_principal, secret, source_address
from ..endpoint import endpoint
from ..errors import Forbidden
from ..models import ApiToken
from ..schemas.accounts import (
    LoginSchema,
    MeSchema,
    NewTokenSchema,
    PasswordChangeSchema,
    PasswordRenewSchema,
    TokenRequestSchema,
    TokenSchema,
)

bp = Blueprint("session", __name__)


def _me(principal, csrf: str | None = None) -> dict:
    with reading() as uow:
        user = accounts.get_user(uow.session, principal.user_id)
    return {"username": principal.username, "display_name": user.display_name, "roles": sorted(principal.roles),
            "groups": sorted(principal.groups), "permissions": sorted(principal.permissions),
            "via": principal.via, "csrf_token": csrf,
            "idle_timeout_minutes": current_app.config["SESSION_IDLE_MINUTES"]}


@bp.post("/session")
@endpoint("Log in (starts a browser session)", public=True, body=LoginSchema(), response=MeSchema(), errors=(401, 403),
          rate_limit="LOGIN_RATE_LIMIT",
          response_headers={"Set-Cookie": "the session cookie (HttpOnly, SameSite=Lax)"})
def login(body):
    g.attempted_user = body["username"]
    config = current_app.config
    policy = accounts.LockoutPolicy(config["LOCKOUT_THRESHOLD"], config["LOCKOUT_MINUTES"])
    g.audit_written_by_use_case = True
    user_id = accounts.login(env().unit_of_work(), body["username"], body["password"], policy=policy,
                             source=source_address())
    raw = credentials.start_session(env().unit_of_work(), user_id, key=secret(), source=source_address())
    with reading() as uow:
        principal = accounts.principal_for(uow.session, user_id)
    response = current_app.json.response(MeSchema().dump(_me(principal, credentials.csrf_token(secret(), raw))))
    response.set_cookie(SESSION_COOKIE, raw, httponly=True, samesite="Lax",
                        secure=config["SESSION_COOKIE_SECURE"], path="/")
    return response


@bp.delete("/session")
@endpoint("Log out", response=None, status=204, audit=("auth.logout", "user"))
def logout():
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        credentials.end_session(work(), raw, key=secret())
    response = current_app.response_class(status=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@bp.get("/session")
@endpoint("Who am I (roles, groups, permissions, CSRF token)", response=MeSchema())
def me():
    principal = require_principal()
    raw = request.cookies.get(SESSION_COOKIE) if principal.via == "session" else None
    return _me(principal, credentials.csrf_token(secret(), raw) if raw else None)


@bp.post("/session/password")
@endpoint("Change my password", body=PasswordChangeSchema(), response=None, status=204,
          audit=("user.password_changed", "user"))
def change_password(body):
    principal = _person()
    accounts.set_password(work(), principal.user_id, body["new_password"], old_password=body["old_password"],
                          require_old=True, min_length=current_app.config["PASSWORD_MIN_LENGTH"])


@bp.post("/session/password/renew")
@endpoint("Choose a new password after a security administrator's reset (signs nothing in)", public=True,
          body=PasswordRenewSchema(), response=None, status=204, errors=(401, 403), rate_limit="LOGIN_RATE_LIMIT",
          audit=("user.password_changed", "user"),
          description="A reset password starts no session (POST /session answers 403 password-change-required): "
                      "its holder first replaces it here, then logs in with the new one.")
def renew_password(body):
    g.attempted_user = body["username"]
    config = current_app.config
    policy = accounts.LockoutPolicy(config["LOCKOUT_THRESHOLD"], config["LOCKOUT_MINUTES"])
    context().object_id = body["username"]
    accounts.renew_password(work(), body["username"], body["old_password"], body["new_password"], policy=policy,
                            min_length=config["PASSWORD_MIN_LENGTH"], source=source_address())


@bp.get("/tokens")
@endpoint("My API tokens (all tokens for security administrators)", response=TokenSchema(many=True))
def list_tokens():
    principal = require_principal()
    owner = None if principal.may("accounts:manage") else principal.user_id
    with reading() as uow:
        return credentials.list_tokens(uow.session, owner)


@bp.post("/tokens")
@endpoint("Create an API token for myself (shown once)", body=TokenRequestSchema(), response=NewTokenSchema(),
          status=201, audit=("token.created", "token"))
def create_token(body):
    principal = _person()
    context().object_from = created(ApiToken)
    token_id, raw = credentials.create_token(work(), principal.user_id, name=body["name"], scopes=body["scopes"],
                                             expires_at=body["expires_at"])
    with reading() as uow:
        token = credentials.get_token(uow.session, token_id)
        shown = {name: getattr(token, name) for name in TokenSchema().fields}
    return {**shown, "token": raw}


@bp.delete("/tokens/<int:token_id>")
@endpoint("Revoke an API token", response=None, status=204, errors=(404,), audit=("token.revoked", "token"),
          audit_id="token_id")
def revoke_token(token_id):
    principal = require_principal()
    with reading() as uow:
        token = credentials.get_token(uow.session, token_id)
    if token.user_id != principal.user_id and not principal.may("accounts:manage"):
        raise Forbidden("only the owner or a security administrator can revoke this token")
    credentials.revoke_token(work(), token_id)


def _person():
    """Tokens cannot mint tokens or change passwords: that needs the person, logged in."""
    principal = require_principal()
    if principal.via != "session":
        raise Forbidden("this needs a logged-in person, not an API token")
    return principal
