"""An administrator's second factor in tests, passed as a person passes it: set it up, then type the app's code.

Nothing here switches the factor off. Administrators enrol (through the API at their first
sign-in, as the web UI does, or directly through the use case with :func:`enrol`), and each
sign-in sends the code an authenticator app would show, computed with pyotp from the
enrolled secret. A code counts once per account, so when this time step's code was used
already, the account's next recovery code is sent instead.

:func:`sign_in` speaks HTTP through a ``post(path, body, headers) -> (status, json)`` callable,
so the Flask test client, ``requests`` against a live server, and the chaos and bench kits
share it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pyotp

STEP = 30


@dataclass
class Authenticator:
    """What an administrator's phone holds: the secret (and the recovery codes printed at enrolment)."""

    secret: str
    recovery_codes: list[str] = field(default_factory=list)
    used_steps: set[int] = field(default_factory=set)

    def code(self) -> str:
        """The app's code now, or a recovery code when this step's code was used already."""
        step = int(time.time()) // STEP
        if step not in self.used_steps:
            self.used_steps.add(step)
            return pyotp.TOTP(self.secret).at(step * STEP)
        if self.recovery_codes:
            return self.recovery_codes.pop(0)
        time.sleep(STEP - time.time() % STEP + 0.2)
        return self.code()


# By username: the accounts of the database the current test signs in to.
AUTHENTICATORS: dict[str, Authenticator] = {}


def remember(username: str, secret: str, recovery_codes=()) -> Authenticator:
    AUTHENTICATORS[username] = Authenticator(secret, list(recovery_codes))
    return AUTHENTICATORS[username]


def forget_all() -> None:
    AUTHENTICATORS.clear()


def code_for(username: str) -> str:
    return AUTHENTICATORS[username].code()


def enrol(env, username: str) -> Authenticator:
    """Set up the account's second factor directly (as ``yiwang demo`` does for its administrators)."""
    from api import accounts, second_factor
    from engine.models import utcnow

    with env.unit_of_work() as uow:
        user_id = accounts.user_id_by_name(uow.session, username)
    secret, codes = second_factor.enrol_now(env.unit_of_work(), user_id, now=utcnow())
    return remember(username, secret, codes)


def problem_type(body) -> str:
    return str((body or {}).get("type", "")).rsplit(":", 1)[-1] if isinstance(body, dict) else ""


def sign_in(post, username: str, password: str):
    """Log in over HTTP with the password and the code, or enrol first; returns (status, body)."""
    credentials = {"username": username, "password": password}
    if username in AUTHENTICATORS:  # enrolled: the code goes with the password, as the UI's second step sends it
        credentials["code"] = AUTHENTICATORS[username].code()
    status, body = post("/api/v1/session", credentials, {})
    if status == 401 and problem_type(body) == "second-factor-required":
        raise AssertionError(f"{username} has a second factor these tests were not told of")
    if status == 200 and body.get("second_factor") == "enrol":
        return enrol_over_http(post, username, body["csrf_token"])
    return status, body


def enrol_over_http(post, username: str, csrf: str):
    """What the web UI's enrolment screen does: a secret for the app, then a code of the app to confirm."""
    status, enrolment = post("/api/v1/session/second-factor/enrolment", {}, {"X-CSRF-Token": csrf})
    assert status == 201, enrolment
    authenticator = remember(username, enrolment["secret"])
    status, body = post("/api/v1/session/second-factor/enrolment/confirm", {"code": authenticator.code()},
                        {"X-CSRF-Token": csrf})
    if status == 200:
        authenticator.recovery_codes = list(body["recovery_codes"])
    return status, body
