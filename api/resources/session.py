"""Logging in and out, the caller's own account (password, second factor), and their API tokens."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, current_app, g, request

from engine.models import utcnow

from .. import accounts, credentials, second_factor
from ..auditing import context, created, work
from ..auth import SESSION_COOKIE, env, reading, require_principal, secret, source_address
from ..endpoint import endpoint
from ..errors import Forbidden
from ..models import ApiToken
from ..schemas.accounts import (
    CodeSchema,
    EnrolledSchema,
    EnrolmentSchema,
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
        enrolled = second_factor.enrolled(user)
        left = second_factor.recovery_codes_left(uow.session, user.id) if enrolled else None
        factor = "enrol" if principal.stage == "enrol" else second_factor.state(user)
    return {"username": principal.username, "display_name": user.display_name, "roles": sorted(principal.roles),
            "groups": sorted(principal.groups), "permissions": sorted(principal.permissions),
            "via": principal.via, "csrf_token": csrf,
            "idle_timeout_minutes": current_app.config["SESSION_IDLE_MINUTES"],
            "second_factor": factor, "recovery_codes_left": left}


def _signed_in(user_id: int, *, stage: str | None = None, replacing: str | None = None, **extra):
    """Start a session for the user and answer who they are, with its cookie."""
    raw = credentials.start_session(env().unit_of_work(), user_id, key=secret(), source=source_address(),
                                    stage=stage, replacing=replacing)
    with reading() as uow:
        principal = accounts.principal_for(uow.session, user_id)
    if stage is not None:
        principal = dataclasses.replace(principal, permissions=frozenset(), regions=None, stage=stage)
    body = {**_me(principal, credentials.csrf_token(secret(), raw)), **extra}
    response = current_app.json.response((EnrolledSchema() if extra else MeSchema()).dump(body))
    response.set_cookie(SESSION_COOKIE, raw, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], path="/")
    return response


def _lockout() -> accounts.LockoutPolicy:
    return accounts.LockoutPolicy(current_app.config["LOCKOUT_THRESHOLD"], current_app.config["LOCKOUT_MINUTES"])


@bp.post("/session")
@endpoint("Log in (starts a browser session)", public=True, body=LoginSchema(), response=MeSchema(), errors=(401, 403),
          rate_limit="LOGIN_RATE_LIMIT",
          response_headers={"Set-Cookie": "the session cookie (HttpOnly, SameSite=Lax)"},
          description="Administrators (admin, security_admin, auditor) also send `code`: without it a right password "
                      "answers 401 second-factor-required, and a wrong code 401 second-factor-failed (counted as a "
                      "failed login). An administrator without a second factor gets a session with "
                      "`second_factor: enrol` that grants nothing but setting one up "
                      "(POST /session/second-factor/enrolment, then .../confirm).")
def login(body):
    g.attempted_user = body["username"]
    g.audit_written_by_use_case = True
    user_id = accounts.login(env().unit_of_work(), body["username"], body["password"], policy=_lockout(),
                             source=source_address(), code=body["code"])
    with reading() as uow:
        stage = second_factor.stage_at_sign_in(uow.session, user_id)
    return _signed_in(user_id, stage=stage)


@bp.post("/session/second-factor/enrolment")
@endpoint("Set up my second factor: a new TOTP secret for an authenticator app (shown once)", enrolling=True,
          response=EnrolmentSchema(), status=201, errors=(409,), audit=("user.second_factor_enrolment_started", "user"))
def begin_enrolment():
    principal = _enrolling()
    context().object_id = str(principal.user_id)
    enrolment = second_factor.begin_enrolment(work(), principal.user_id,
                                              issuer=current_app.config["SECOND_FACTOR_ISSUER"])
    return {"secret": enrolment.secret, "otpauth_uri": enrolment.uri, "qr_svg": enrolment.qr_svg}


@bp.post("/session/second-factor/enrolment/confirm")
@endpoint("Confirm my second factor with a code of the app: answers my ten recovery codes (shown once) and a new "
          "session that grants my roles", enrolling=True, body=CodeSchema(), response=EnrolledSchema(),
          errors=(409,), audit=("user.second_factor_enrolled", "user"),
          response_headers={"Set-Cookie": "a new session cookie (the enrolment session ends)"})
def confirm_enrolment(body):
    principal = _enrolling()
    context().object_id = str(principal.user_id)
    codes = second_factor.confirm_enrolment(work(), principal.user_id, body["code"], now=utcnow())
    return _signed_in(principal.user_id, replacing=request.cookies.get(SESSION_COOKIE), recovery_codes=codes)


@bp.delete("/session")
@endpoint("Log out", response=None, status=204, audit=("auth.logout", "user"), enrolling=True)
def logout():
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        credentials.end_session(work(), raw, key=secret())
    response = current_app.response_class(status=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@bp.get("/session")
@endpoint("Who am I (roles, groups, permissions, CSRF token, second factor)", response=MeSchema(), enrolling=True)
def me():
    principal = require_principal(enrolling=True)
    raw = request.cookies.get(SESSION_COOKIE) if principal.via == "session" else None
    return _me(principal, credentials.csrf_token(secret(), raw) if raw else None)


@bp.post("/session/password")
@endpoint("Change my password", body=PasswordChangeSchema(), response=None, status=204,
          audit=("user.password_changed", "user"))
def change_password(body):
    principal = _person()
    config = current_app.config
    accounts.set_password(work(), principal.user_id, body["new_password"], old_password=body["old_password"],
                          require_old=True, min_length=config["PASSWORD_MIN_LENGTH"], history=config["PASSWORD_HISTORY"])


@bp.post("/session/password/renew")
@endpoint("Choose a new password after a security administrator's reset (signs nothing in)", public=True,
          body=PasswordRenewSchema(), response=None, status=204, errors=(401, 403), rate_limit="LOGIN_RATE_LIMIT",
          audit=("user.password_changed", "user"),
          description="A reset password starts no session (POST /session answers 403 password-change-required): "
                      "its holder first replaces it here, then logs in with the new one. An administrator also "
                      "sends the code of their authenticator app (`code`), so whoever set the password cannot "
                      "use it to become them.")
def renew_password(body):
    g.attempted_user = body["username"]
    config = current_app.config
    context().object_id = body["username"]
    accounts.renew_password(work(), body["username"], body["old_password"], body["new_password"], policy=_lockout(),
                            min_length=config["PASSWORD_MIN_LENGTH"], history=config["PASSWORD_HISTORY"],
                            code=body["code"], source=source_address())


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


def _enrolling():
    """A second factor is set up in the session an administrator without one gets at sign-in, nowhere else
    (a stolen session of anyone else cannot lock its owner out by setting one up)."""
    principal = require_principal(enrolling=True)
    if principal.stage != "enrol":
        raise Forbidden("a second factor is set up at sign-in, by an administrator who has none; a security "
                        "administrator resets a lost one")
    return principal


def _person():
    """Tokens cannot mint tokens or change passwords: that needs the person, logged in."""
    principal = require_principal()
    if principal.via != "session":
        raise Forbidden("this needs a logged-in person, not an API token")
    return principal
