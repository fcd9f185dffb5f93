"""Signed checkpoints of the audit chain's head, kept where the database's users cannot write.

Every ``CHECKPOINT_S`` (a periodic job) and on ``yiwang audit checkpoint``, the head
(sequence number and hash) is signed with the checkpoint key (Ed25519) and appended as
one JSON line to ``<AUDIT_ANCHOR_DIR>/<chain id>.jsonl``. :func:`check` (part of
``yiwang audit verify``) reads them back: each signature must hold, the record at each
checkpoint's sequence number must still carry the hash signed then, and the chain must
not be shorter than the last checkpoint. A chain rewritten even by someone holding the
chain key, or cut short, is caught at the first checkpoint it contradicts.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from sqlalchemy import select

from engine import jobs
from engine.models import utcnow

from . import audit_keys
from .models import AuditHead, AuditRecord

CHECKPOINT_JOB = "audit_checkpoint"
# How often the scheduler writes a checkpoint (api/wiring.py).
CHECKPOINT_S = 600


@dataclass(frozen=True)
class AnchorCheck:
    ok: bool
    checked: int
    reason: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"audit checkpoints agree: {self.checked} signed checkpoint(s)"
        return f"audit checkpoints contradict the chain: {self.reason} ({self.checked} checkpoint(s) agreed before)"


def _signed_text(entry: dict) -> bytes:
    body = {k: entry[k] for k in ("chain", "seq", "hash", "at")}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def write_checkpoint(session, *, now: datetime | None = None) -> dict | None:
    """Append a signed checkpoint of the head as it is now; None while the chain is empty."""
    head = session.get(AuditHead, 1)
    if head is None or not head.appended:
        return None
    keys = audit_keys.current()
    entry = {"chain": head.chain_id or "unnamed", "seq": head.appended, "hash": head.last_hash,
             "at": (now or utcnow()).isoformat()}
    entry["sig"] = base64.b64encode(keys.signing_key().sign(_signed_text(entry))).decode()
    keys.anchor_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(keys.anchor_dir / f"{entry['chain']}.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry, sort_keys=True) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return entry


def _entries(session) -> tuple[AuditHead | None, list[str]]:
    head = session.get(AuditHead, 1)
    if head is None:
        return None, []
    path = audit_keys.current().anchor_dir / f"{head.chain_id or 'unnamed'}.jsonl"
    return head, path.read_text(encoding="utf-8").splitlines() if path.is_file() else []


def earliest_checkpoint(session) -> int | None:
    """The sequence number of this chain's first correctly signed checkpoint, if any."""
    _, lines = _entries(session)
    public = audit_keys.current().signing_key().public_key()
    for line in lines:
        try:
            entry = json.loads(line)
            public.verify(base64.b64decode(entry["sig"]), _signed_text(entry))
            return int(entry["seq"])
        except (ValueError, KeyError, TypeError, InvalidSignature):
            continue
    return None


def check(session) -> AnchorCheck:
    """Every checkpoint of this chain against the records."""
    head, lines = _entries(session)
    public = audit_keys.current().signing_key().public_key()
    checked = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            public.verify(base64.b64decode(entry["sig"]), _signed_text(entry))
        except (ValueError, KeyError, TypeError, InvalidSignature):
            return AnchorCheck(False, checked, f"checkpoint line {number} is not signed by this installation's key")
        if entry["seq"] > head.appended:
            return AnchorCheck(False, checked, f"checkpoint of {entry['at']} saw {entry['seq']} record(s); the "
                                               f"chain now has {head.appended}: records were removed")
        stored = session.scalar(select(AuditRecord.hash).where(AuditRecord.seq == entry["seq"]))
        if stored != entry["hash"]:
            return AnchorCheck(False, checked, f"record seq {entry['seq']} is not the one checkpointed at "
                                               f"{entry['at']}: the chain was rewritten")
        checked += 1
    return AnchorCheck(True, checked)


@jobs.handler(CHECKPOINT_JOB)
def checkpoint_job(uow, bucket: int | None = None) -> None:
    """Periodic job (``env.periodic_jobs``); a second run in the same period only adds an equal line."""
    write_checkpoint(uow.session)
