"""The audit trail: append-only, hash-chained records of every state-changing call.

Each record carries the hash of the one before it, so changing, inserting or
deleting a row breaks the chain at that row, and :func:`verify` names the first
broken link. The hashes are HMACs under a key held outside the database
(:mod:`api.audit_keys`), so a rewritten chain does not verify unless its writer held
the key; the database refuses UPDATE and DELETE of records (:mod:`api.audit_guard`);
signed checkpoints of the head kept outside it catch what is left
(:mod:`api.audit_anchor`). Appends are serialized by the single ``audit_head`` row: an append
claims the next sequence number with an UPDATE that keeps the row locked until the
transaction ends (SQLite's one writer does the same), so two transactions never
chain onto the same predecessor.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.db import pipelined
from engine.models import utcnow

from . import audit_keys
from .models import AuditHead, AuditRecord

GENESIS = "0" * 64


class AppendOnly(RuntimeError):
    """Something tried to change or delete an audit record through the ORM."""


@event.listens_for(AuditRecord, "before_update")
def _refuse_update(_mapper, _connection, target) -> None:
    raise AppendOnly(f"audit record {target.seq} cannot be changed")


@event.listens_for(AuditRecord, "before_delete")
def _refuse_delete(_mapper, _connection, target) -> None:
    raise AppendOnly(f"audit record {target.seq} cannot be deleted")


def append(
    session: Session,
    *,
    action: str,
    result: str,
    actor: str | None = None,
    source: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    case_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    """Add a record to the chain in the session's transaction (flushed, not committed).

    Two round trips: claiming the next sequence number on the head row (which
    locks it until commit, so appends are serialized), then the record and the new
    head hash together.
    """
    at = utcnow()
    seq, prev_hash = _claim_next(session)
    values = {
        "seq": seq, "at": at, "actor": actor, "source": source, "action": action, "object_type": object_type,
        "object_id": None if object_id is None else str(object_id), "case_id": case_id, "result": result,
        "details": details or {}, "prev_hash": prev_hash, "keyed": True,
    }
    record = AuditRecord(**values)
    record.hash = values["hash"] = record_hash(record)
    with pipelined(session):  # the record and the new head hash: one round trip on PostgreSQL
        session.execute(insert(AuditRecord).values(values).inline())
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=values["hash"]))
    return record


def _claim_next(session: Session) -> tuple[int, str]:
    """The next sequence number and the hash to chain onto; the head row stays locked until commit."""
    claim = (update(AuditHead).where(AuditHead.id == 1).values(appended=AuditHead.appended + 1)
             .returning(AuditHead.appended, AuditHead.last_hash))
    claimed = session.execute(claim).first()
    if claimed is not None:
        return claimed[0], claimed[1]
    try:  # the very first record of this database; a concurrent first append may win the insert
        with session.begin_nested():
            session.execute(insert(AuditHead).values(id=1, appended=1, last_hash=GENESIS, chain_id=uuid.uuid4().hex))
        return 1, GENESIS
    except IntegrityError:
        claimed = session.execute(claim).first()  # waits for the winner to commit, then follows it
        return claimed[0], claimed[1]


def record_hash(record: AuditRecord, key: bytes | None = None) -> str:
    """HMAC-SHA256 under the audit key (plain SHA-256 for unkeyed records) of the previous hash and the record."""
    body = {
        "seq": record.seq,
        "at": _instant(record.at),
        "actor": record.actor,
        "source": record.source,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "case_id": record.case_id,
        "result": record.result,
        "details": record.details or {},
    }
    text_ = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    message = f"{record.prev_hash}\n{text_}".encode()
    if record.keyed:
        return hmac.new(key or audit_keys.current().chain_key(), message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


def _instant(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.checked} record(s)"
        where = f"record seq {self.broken_seq} (id {self.broken_id})" if self.broken_seq else "chain head"
        return f"audit chain broken at {where}: {self.reason} ({self.checked} record(s) checked before it)"


def verify(session: Session, batch: int = 1000) -> Verification:
    """Walk the chain in order; report the first record that does not link or hash."""
    from .audit_anchor import earliest_checkpoint

    expected_prev, expected_seq, checked, keyed_seen = GENESIS, 1, 0, False
    key = audit_keys.current().chain_key()
    # Records written before the chain was keyed count only as far as a signed checkpoint vouches for them.
    unkeyed_until = earliest_checkpoint(session) or 0
    while True:
        rows = session.scalars(
            select(AuditRecord).where(AuditRecord.seq >= expected_seq).order_by(AuditRecord.seq).limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return Verification(False, checked, row.seq, row.id,
                                    f"record seq {expected_seq} is missing")
            if row.prev_hash != expected_prev:
                return Verification(False, checked, row.seq, row.id, "does not link to the record before it")
            if not row.keyed and (keyed_seen or row.seq > unkeyed_until):
                return Verification(False, checked, row.seq, row.id,
                                    "not keyed, and no signed checkpoint vouches for it")
            if record_hash(row, key) != row.hash:
                return Verification(False, checked, row.seq, row.id, "content does not match its hash"
                                    + (" (or the audit key is not the one it was written with)" if row.keyed else ""))
            keyed_seen = keyed_seen or row.keyed
            expected_prev, expected_seq = row.hash, row.seq + 1
            checked += 1
        session.expunge_all()
    head = session.get(AuditHead, 1)
    head_seq, head_hash = (head.appended, head.last_hash) if head else (0, GENESIS)
    if head_seq != checked or head_hash != expected_prev:
        return Verification(False, checked, None, None,
                            f"the head says {head_seq} record(s) ending in {head_hash[:12]}…; "
                            "records were removed from the end or the head was changed")
    return Verification(True, checked)


def list_records(
    session: Session,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    case_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    result: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[AuditRecord]:
    """Newest first."""
    query = select(AuditRecord)
    for column, value in ((AuditRecord.object_type, object_type), (AuditRecord.object_id, object_id),
                          (AuditRecord.case_id, case_id),
                          (AuditRecord.actor, actor), (AuditRecord.action, action),
                          (AuditRecord.result, result)):
        if value is not None:
            query = query.where(column == value)
    return list(session.scalars(query.order_by(AuditRecord.seq.desc()).limit(limit).offset(offset)))
