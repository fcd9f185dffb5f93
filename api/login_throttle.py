"""Failed logins per (account, client address): a delay that grows, then a lock for that client alone.

After the first failure a client may try again at once; after the n-th (n >= 2) it
waits 2^(n-2) seconds; after ``LockoutPolicy.threshold`` failures it is locked out of
that account for ``LockoutPolicy.minutes``. The account itself is never locked by
strangers: its owner, signing in from elsewhere, is not slowed by anyone else's
failures (failures spread over many addresses meet the per-account rate limit of
:mod:`api.rate_limits` instead). While a client waits, its attempts are answered at
once, without checking the password (no argon2 work for a flood).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from .models import LoginThrottle

# Rows of clients that stopped trying are forgotten after this long.
FORGET_AFTER = timedelta(days=1)
MAX_DELAY_SECONDS = 300


@dataclass(frozen=True)
class Waiting:
    """This client must wait before its next attempt at this account."""

    seconds: int
    locked: bool


def waiting(session, username: str, source: str, now: datetime, *, threshold: int) -> Waiting | None:
    row = session.get(LoginThrottle, (_name(username), source or ""))
    if row is None or row.blocked_until is None or row.blocked_until <= now:
        return None
    return Waiting(max(1, math.ceil((row.blocked_until - now).total_seconds())), row.failures >= threshold)


def failed(session, username: str, source: str, now: datetime, *, threshold: int, minutes: int) -> bool:
    """Count a failure; True when it locks this client out of the account."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(LoginThrottle)
        .values(username=_name(username), source=source or "", failures=1, last_failed_at=now)
        .on_conflict_do_update(index_elements=[LoginThrottle.username, LoginThrottle.source],
                               set_={"failures": LoginThrottle.failures + 1, "last_failed_at": now})
        .returning(LoginThrottle.failures)
    )
    failures = session.execute(statement).scalar_one()
    locked = failures >= threshold
    wait = timedelta(minutes=minutes) if locked else timedelta(seconds=_delay(failures))
    row = session.get(LoginThrottle, (_name(username), source or ""), populate_existing=True)
    row.blocked_until = now + wait if wait else None
    session.execute(delete(LoginThrottle).where(LoginThrottle.last_failed_at < now - FORGET_AFTER))
    return locked


def succeeded(session, username: str, source: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.username == _name(username),
                                                LoginThrottle.source == (source or "")))


def clear(session, username: str) -> None:
    """A security administrator's unlock: every client may try again."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.username == _name(username)))


def locked_sources(session, username: str, now: datetime, threshold: int) -> list[str]:
    return list(session.scalars(select(LoginThrottle.source).where(
        LoginThrottle.username == _name(username), LoginThrottle.failures >= threshold,
        LoginThrottle.blocked_until > now)))


def _delay(failures: int) -> int:
    return 0 if failures < 2 else min(2 ** (failures - 2), MAX_DELAY_SECONDS)


def _name(username: str) -> str:
    return (username or "")[:150]

