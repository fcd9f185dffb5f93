"""The audit trail: append-only, hash-chained records of every state-changing call.

Each record carries the hash of the one before it, so changing, inserting or
deleting a row breaks the chain at that row, and :func:`verify` names the first
broken link. Appends are serialized: PostgreSQL takes a transaction-scoped advisory
lock, and every backend updates the single ``audit_head`` row (SQLite's one writer
does the rest), so two transactions never chain onto the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import event, select, text, update
from sqlalchemy.orm import Session

from engine.models import utcnow

from .models import AuditHead, AuditRecord

GENESIS = "0" * 64
# An arbitrary 64-bit constant: the advisory lock key of the audit chain.
PG_LOCK_KEY = 0x79_69_77_61_6E_67_01


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
    """Add a record to the chain in the session's transaction (flushed, not committed)."""
    _lock_chain(session)
    head = session.get(AuditHead, 1, populate_existing=True)
    if head is None:
        head = AuditHead(id=1, appended=0, last_hash=GENESIS)
        session.add(head)
    record = AuditRecord(
        seq=head.appended + 1,
        at=utcnow(),
        actor=actor,
        source=source,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        case_id=case_id,
        result=result,
        details=details or {},
        prev_hash=head.last_hash,
    )
    record.hash = record_hash(record)
    session.add(record)
    head.appended, head.last_hash = record.seq, record.hash
    session.flush()
    return record


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
    else:
        # Any write takes SQLite's single writer lock until commit, so nobody else can
        # append between our read of the head and our write of the record.
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(appended=AuditHead.appended))


def record_hash(record: AuditRecord) -> str:
    """SHA-256 over the previous hash and the record's canonical JSON."""
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
    return hashlib.sha256(f"{record.prev_hash}\n{text_}".encode()).hexdigest()


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
    expected_prev, expected_seq, checked = GENESIS, 1, 0
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
            if record_hash(row) != row.hash:
                return Verification(False, checked, row.seq, row.id, "content does not match its hash")
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
