"""Idempotency-Key: a retried request answers with the first one's result instead of acting twice.

A state-changing call that carries the header is remembered in the same transaction
as its effect: one ``idempotency_record`` row per case it started or reached, unique
per caller and stored key. Of two requests racing with one key only one can commit;
the other fails (on that unique row, or on the instance the first one changed) and
then answers with the first one's result. Keys are kept apart per operation: the
same key sent to ``POST /cases`` and to ``POST /messages`` names two requests.

Which cases a call produced is taken from the engine's step listeners (every
instance a unit of work saves), so a message that reaches several waiting cases is
replayed with all of them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.models import utcnow
from engine.unit_of_work import UnitOfWork

from .errors import IdempotencyConflict
from .models import IdempotencyRecord

# Client keys longer than this are stored as their digest, so the stored key fits its column (255).
LONGEST_KEPT = 200

# Unit of work -> ids of the instances it saved, in order; only for calls that carry a key.
_saved: WeakKeyDictionary[UnitOfWork, list[str]] = WeakKeyDictionary()


def fingerprint(document: Any) -> str:
    """What makes two requests "the same": the SHA-256 of the loaded body as canonical JSON."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Claim:
    """One caller's key for one operation, and the request it came with."""

    operation: str
    username: str
    key: str
    fingerprint: str
    remember: timedelta = timedelta(hours=24)

    @property
    def key_part(self) -> str:
        """The client's key as stored."""
        if len(self.key) <= LONGEST_KEPT:
            return self.key
        return "sha256=" + hashlib.sha256(self.key.encode()).hexdigest()

    def stored_key(self, position: int = 0) -> str:
        """``cases:<key>`` for the first case of a result, ``cases+1:<key>`` ... for further ones."""
        if position == 0:
            return f"{self.operation}:{self.key_part}"
        return f"{self.operation}+{position}:{self.key_part}"

    def position_of(self, stored: str) -> int | None:
        """Where a stored key sits in this claim's result; None if it belongs to another claim."""
        if stored == self.stored_key():
            return 0
        prefix = f"{self.operation}+"
        if not stored.startswith(prefix):
            return None
        number, colon, rest = stored[len(prefix):].partition(":")
        return int(number) if colon and number.isascii() and number.isdigit() and rest == self.key_part else None


def note_step(uow, loaded, _delta) -> None:
    """Engine step listener: remembers the instances saved by units of work that carry a key."""
    saved = _saved.get(uow)
    if saved is not None and loaded.row.id not in saved:
        saved.append(loaded.row.id)


def run_once(uow, claim: Claim | None, act: Callable[[Any], list[str]]) -> tuple[list[str], bool]:
    """Run ``act(uow)``, a use case that commits ``uow``, at most once per claim.

    Returns (the ids ``act`` returned, False), or (the ids of the first request's cases,
    True) when this is a retry, or lost a race against a request with the same key.

    Raises:
        IdempotencyConflict: the key was first sent with a different request.
    """
    if claim is None:
        return act(uow), False
    earlier = recall(uow.env, claim)
    if earlier is not None:
        return earlier, True
    if note_step not in uow.env.step_listeners:
        uow.env.step_listeners.append(note_step)
    _saved[uow] = []
    uow.before_commit(lambda unit: _remember(unit.session, claim, _saved.get(unit, [])))
    try:
        return act(uow), False
    except Exception:
        # A request with the same key may have committed first; then its result is the answer.
        earlier = recall(uow.env, claim)
        if earlier is None:
            raise
        return earlier, True


def recall(env, claim: Claim) -> list[str] | None:
    """The case ids the claim's first request produced; None if there was none or it is forgotten."""
    with env.unit_of_work() as uow:
        rows = [(r.id, r.request_hash, r.instance_id, r.created_at) for r in _rows(uow.session, claim)]
        if rows and rows[0][3] < utcnow() - claim.remember:
            uow.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_([r[0] for r in rows])))
            uow.commit()
            return None
    if not rows:
        return None
    if rows[0][1] != claim.fingerprint:
        raise IdempotencyConflict("this Idempotency-Key was used for a different request", key=claim.key)
    return [instance_id for _, _, instance_id, _ in rows]


def _rows(session: Session, claim: Claim) -> list[IdempotencyRecord]:
    """The claim's rows, first case first; empty unless the first row exists."""
    first = session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.username == claim.username, IdempotencyRecord.key == claim.stored_key()))
    if first is None:
        return []
    pattern = f"{_like(claim.operation)}+%:{_like(claim.key_part)}"
    candidates = session.scalars(select(IdempotencyRecord).where(
        IdempotencyRecord.username == claim.username, IdempotencyRecord.key.like(pattern, escape="\\")))
    # LIKE only narrows the search (it ignores case on SQLite); the exact match is position_of's.
    further = sorted(((p, r) for r in candidates if (p := claim.position_of(r.key))), key=lambda pair: pair[0])
    return [first, *(row for _, row in further)]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _remember(session: Session, claim: Claim, instance_ids: list[str]) -> None:
    for position, instance_id in enumerate(instance_ids):
        session.add(IdempotencyRecord(username=claim.username, key=claim.stored_key(position),
                                      request_hash=claim.fingerprint, instance_id=instance_id))
    session.flush()  # the unique key: of two racing requests, the second stops here
