"""Who is calling: a browser session cookie (with CSRF protection) or a bearer API token.

Resolved lazily once per request and kept on ``flask.g``. Browser requests that
change something must echo the session's CSRF token in ``X-CSRF-Token``; bearer
requests need not (a browser never adds the header by itself).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from flask import current_app, g, request

from engine.actors import Actor

from . import credentials
from .accounts import Principal
from .errors import CsrfFailed, Forbidden, SecondFactorEnrolmentRequired, Unauthenticated

SESSION_COOKIE = "yiwang_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def env():
    return current_app.extensions["yiwang"]


@contextmanager
def reading():
    """A unit of work for reads whose loaded objects stay usable after it ends."""
    with env().unit_of_work() as uow:
        yield uow
        uow.session.expunge_all()  # detached before the closing rollback could expire them


def secret() -> bytes:
    return current_app.config["SECRET_KEY"].encode()


def session_policy() -> credentials.SessionPolicy:
    config = current_app.config
    return credentials.SessionPolicy(idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                                     max_age=timedelta(hours=config["SESSION_MAX_HOURS"]))


def source_address() -> str | None:
    return request.remote_addr


def current_principal() -> Principal | None:
    """The caller, or None when anonymous (or their credentials expired)."""
    if "principal" not in g:
        g.principal = _resolve()
    return g.principal


def _resolve() -> Principal | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        principal = credentials.resolve_token(env().unit_of_work(), header[7:].strip())
        if principal is None:
            raise Unauthenticated("the API token is unknown, expired or revoked")
        return principal
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    principal = credentials.resolve_session(env().unit_of_work(), raw, key=secret(), policy=session_policy())
    if principal is None:
        g.session_expired = True
        return None
    if request.method not in SAFE_METHODS and not credentials.csrf_matches(
            secret(), raw, request.headers.get(CSRF_HEADER)):
        raise CsrfFailed(f"missing or wrong {CSRF_HEADER} header for this session")
    return principal


def require_principal(*, enrolling: bool = False) -> Principal:
    """The caller; ``enrolling``: also an administrator's session that must set up its second factor first."""
    principal = current_principal()
    if principal is None:
        if g.get("session_expired"):
            raise Unauthenticated("the session has ended (idle too long or logged out); log in again")
        raise Unauthenticated("log in, or send an API token as 'Authorization: Bearer …'")
    if principal.stage is not None and not enrolling:
        raise SecondFactorEnrolmentRequired("set up your second factor (an authenticator app) first: "
                                            "POST /api/v1/session/second-factor/enrolment")
    return principal


def require(permission: str) -> Principal:
    principal = require_principal()
    if not principal.may(permission):
        if principal.via == "token" and permission == "tasks:work":
            raise Forbidden("API tokens cannot work tasks; tasks are worked by people")
        raise Forbidden(f"this needs the permission {permission!r}", permission=permission)
    return principal


def actor(principal: Principal | None = None) -> Actor:
    principal = principal or require_principal()
    return Actor(user=principal.username, groups=principal.groups)
