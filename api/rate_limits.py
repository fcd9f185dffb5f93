"""Rate limits on anonymous calls (Flask-Limiter): per client, and failed logins per account.

Every anonymous call under ``/api/`` shares ``PUBLIC_RATE_LIMIT`` per client address;
endpoints that name a setting in ``@endpoint(rate_limit=...)`` (logging in, the public
progress page) also have their own, stricter limit per client. Failed logins count
against ``LOGIN_ACCOUNT_RATE_LIMIT`` per account, whatever the client, except from the
address the account last signed in from, so a stranger spreading guesses over many
addresses slows guessing down without shutting its owner out. (The growing delay and
the lock per client and account are :mod:`api.login_throttle`'s, in the database.)

A client address is what the server sees, or the one a trusted proxy reports
(``TRUSTED_PROXIES``). Counters live in Redis in production (shared by every worker)
and in memory on the embedded default (one process). A breached limit answers 429
problem+json with ``Retry-After``.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded
from sqlalchemy import select

from .auth import current_principal, env
from .models import User
from .problems import problem

EXTENSION = "yiwang.limiter"
LOGIN_ENDPOINTS = frozenset({"session.login", "session.renew_password"})


def storage_uri(config, production: bool, redis_url: str) -> str:
    """Where counters live: the setting, or Redis in production and memory when embedded."""
    chosen = config["RATE_LIMIT_STORAGE"]
    if chosen != "auto":
        return chosen
    return redis_url if production else "memory://"


def client_address() -> str:
    return request.remote_addr or "unknown"


def _attempted_account() -> str:
    body = request.get_json(silent=True)
    name = body.get("username") if isinstance(body, dict) else None
    return f"account:{str(name)[:150].lower()}" if name else "account:"


def _authenticated() -> bool:
    """Calls by a signed-in person or a token are not anonymous (their own limits are the accounts')."""
    if not request.path.startswith("/api/") or request.path.startswith("/api/docs"):
        return True  # the shipped UI and the API's documentation page: static files
    try:
        return current_principal() is not None
    except Exception:  # noqa: BLE001 - bad credentials: counted as anonymous; the endpoint says why
        return False


def _from_known_address() -> bool:
    """The account's last successful sign-in came from this address: its owner, most likely."""
    name = _attempted_account().removeprefix("account:")
    if not name:
        return False
    with env().unit_of_work() as uow:
        known = uow.session.scalar(select(User.last_login_source).where(User.username == name))
    return known is not None and known == client_address()


def _failed_login(response) -> bool:
    """A refused login counts against the account; a right password still waiting for its code does not."""
    if response.status_code != 401:
        return False
    body = response.get_json(silent=True)
    return not (isinstance(body, dict) and str(body.get("type", "")).endswith(":second-factor-required"))


def _setting(name: str):
    return lambda: current_app.config[name]


def init_app(app: Flask, *, production: bool, redis_url: str) -> Limiter:
    """Bind the limiter and the limits of every endpoint that declares one; call after the blueprints."""
    limiter = Limiter(
        client_address, app=app, storage_uri=storage_uri(app.config, production, redis_url),
        key_prefix=app.config["RATE_LIMIT_PREFIX"], strategy="moving-window",
        application_limits=[_setting("PUBLIC_RATE_LIMIT")],
        application_limits_exempt_when=_authenticated,
        headers_enabled=False,
    )
    for name, view in list(app.view_functions.items()):
        spec = getattr(view, "endpoint_spec", None)
        if spec is None or spec.rate_limit is None:
            continue
        limited = limiter.limit(_setting(spec.rate_limit))(view)
        if name in LOGIN_ENDPOINTS:
            limited = limiter.limit(_setting("LOGIN_ACCOUNT_RATE_LIMIT"), key_func=_attempted_account,
                                    deduct_when=_failed_login,
                                    exempt_when=_from_known_address, scope="login-account")(limited)
        app.view_functions[name] = limited
    app.extensions[EXTENSION] = limiter
    app.register_error_handler(RateLimitExceeded, _too_many)
    return limiter


def _too_many(err: RateLimitExceeded):
    limiter: Limiter = current_app.extensions[EXTENSION]
    current = limiter.current_limit
    seconds = max(1, math.ceil(current.reset_at - time.time())) if current is not None else 60
    g.rate_limited = True
    current_app.logger.warning("rate limit %s reached by %s on %s %s", err.limit.limit, client_address(),
                               request.method, request.path)
    return problem(429, "too many requests; wait before trying again", "rate-limited",
                   {"Retry-After": str(seconds)}, retry_after=seconds)
