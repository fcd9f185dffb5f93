"""The second factor of the three administrator roles: TOTP codes (RFC 6238, pyotp) and recovery codes.

Whoever holds ``admin``, ``security_admin`` or ``auditor`` signs in with their password and
the 6-digit code of an authenticator app (or one of ten one-time recovery codes). An
administrator without a second factor is enrolled at their next sign-in: the session may
only set one up (:func:`begin_enrolment`, :func:`confirm_enrolment`) until it is done.

* The secret is sealed with a key outside the database (:mod:`api.sealing`); recovery codes
  are kept as SHA-256 hashes only (they are random, 50 bits each: no slow hash needed).
* A code counts once: the time step it belongs to is claimed in the same transaction as
  the sign-in, so a code seen over a shoulder cannot be replayed, even on another worker.
* Codes of the step before and after are accepted too (clocks up to 30 s apart).

API tokens are not interactive sign-ins and are not asked for a code.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from sqlalchemy import delete, func, or_, select, update

from . import sealing
from .errors import Conflict, CredentialsResetPending, Invalid, NotFound
from .models import RecoveryCode, User, UserRole
from .permissions import EXCLUSIVE_ROLES

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
VALID_WINDOW = 1
TOTP_CODE = re.compile(r"^[0-9]{6}$")

# Reasons a code is refused (audited as the login's reason).
MISSING, WRONG, REUSED = "second-factor-required", "wrong-second-factor", "second-factor-reused"


@dataclass(frozen=True)
class Enrolment:
    """What an authenticator app needs: the secret, as text and as an otpauth URI (and its QR code)."""

    secret: str
    uri: str

    @property
    def qr_svg(self) -> str:
        """The URI as a QR code, an SVG ``data:`` URI an ``<img>`` shows."""
        return segno.make(self.uri, error="m").svg_data_uri(scale=5, border=2)


def required(roles) -> bool:
    """Whether these roles sign in with a second factor (the three administrators do)."""
    return bool(EXCLUSIVE_ROLES & set(roles))


def enrolled(user: User) -> bool:
    return user.second_factor_enrolled_at is not None


def state(user: User) -> str:
    """enrolled | pending (enrolment started, not confirmed) | none."""
    if enrolled(user):
        return "enrolled"
    return "pending" if user.second_factor_secret else "none"


def stage_at_sign_in(session, user_id: int) -> str | None:
    """"enrol" when the account must set up a second factor before its session grants anything, else None."""
    roles = session.scalars(select(UserRole.role).where(UserRole.user_id == user_id))
    return "enrol" if required(roles) and not enrolled(_user(session, user_id)) else None


def _user(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no user with this id", user_id=user_id)
    return user


def _enrolment(user: User, secret: str, issuer: str) -> Enrolment:
    return Enrolment(secret, pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer))


def begin_enrolment(uow, user_id: int, *, issuer: str) -> Enrolment:
    """Make a new secret for the account (replacing one not yet confirmed); shown once, to its holder."""
    with uow:
        user = _user(uow.session, user_id)
        if enrolled(user):
            raise Conflict("a second factor is set up already; a security administrator can reset it")
        secret = pyotp.random_base32()
        user.second_factor_secret = sealing.seal(secret, bound_to=str(user.id))
        uow.commit()
        return _enrolment(user, secret, issuer)


def confirm_enrolment(uow, user_id: int, code: str, *, now: datetime) -> list[str]:
    """Put the secret in use once the holder's app shows a right code; returns the recovery codes (shown once)."""
    with uow:
        session = uow.session
        user = _user(session, user_id)
        if enrolled(user):
            raise Conflict("a second factor is set up already")
        if not user.second_factor_secret:
            raise Invalid("start the enrolment first", errors=[{"pointer": "/code", "message": "no enrolment started"}])
        step = _matching_step(_secret(user), code, now)
        if step is None:
            raise Invalid("the code does not match", errors=[{
                "pointer": "/code", "message": "验证码不正确，请核对手机时间后输入应用中当前显示的 6 位数字 "
                                               "(wrong code: enter the 6 digits the app shows now)"}])
        user.second_factor_enrolled_at, user.second_factor_last_step = now, step
        codes = _new_recovery_codes(session, user.id)
        uow.commit()
        return codes


def enrol_now(uow, user_id: int, *, now: datetime) -> tuple[str, list[str]]:
    """Enrol without a confirming code (the demo's administrators; tests): the secret and recovery codes."""
    with uow:
        user = _user(uow.session, user_id)
        secret = pyotp.random_base32()
        user.second_factor_secret = sealing.seal(secret, bound_to=str(user.id))
        user.second_factor_enrolled_at, user.second_factor_last_step = now, None
        codes = _new_recovery_codes(uow.session, user.id)
        uow.commit()
        return secret, codes


def secret_of(user: User) -> str | None:
    """The account's secret in clear (the demo prints its administrators' again on every run)."""
    return _secret(user) if user.second_factor_secret else None


def verify(session, user: User, code: str | None, *, now: datetime) -> str | None:
    """Check a sign-in's code; None when it is right (and now used up), else the reason it is refused."""
    if not code or not code.strip():
        return MISSING
    code = code.strip().replace(" ", "")
    if TOTP_CODE.match(code):
        step = _matching_step(_secret(user), code, now)
        if step is None:
            return WRONG
        claimed = session.execute(
            update(User).where(User.id == user.id, or_(User.second_factor_last_step.is_(None),
                                                       User.second_factor_last_step < step))
            .values(second_factor_last_step=step).execution_options(synchronize_session=False))
        return None if claimed.rowcount == 1 else REUSED
    used = session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(user.id, code),
                                   RecoveryCode.used_at.is_(None)).values(used_at=now))
    return None if used.rowcount == 1 else WRONG


def recovery_codes_left(session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)))


def reset(uow, user_id: int) -> None:
    """A security administrator's reset: the holder enrols again at their next sign-in.

    Refused while the account's password is a reset one not yet replaced: whoever set that
    password must never also be the one who sets up the account's second factor.
    """
    with uow:
        user = _user(uow.session, user_id)
        if user.must_change_password:
            raise CredentialsResetPending("the password of this account was reset and not yet replaced by its "
                                          "holder; its second factor cannot be reset as well")
        user.second_factor_secret = user.second_factor_enrolled_at = user.second_factor_last_step = None
        uow.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        uow.commit()


def _secret(user: User) -> str:
    return sealing.unseal(user.second_factor_secret, bound_to=str(user.id))


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    totp, code = pyotp.TOTP(secret), (code or "").strip().replace(" ", "")
    current = totp.timecode(int(now.timestamp()))
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _hash(user_id: int, code: str) -> str:
    normal = code.strip().lower().replace("-", "").replace(" ", "")
    return hashlib.sha256(f"{user_id}:{normal}".encode()).hexdigest()


def _new_recovery_codes(session, user_id: int) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user_id, code_hash=_hash(user_id, raw)))
    session.flush()
    return codes
