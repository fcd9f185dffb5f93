"""Application drafts (草稿): an applicant saves a half-filled application and comes back to it.

A draft lives on the server, so it follows the applicant from the phone to the
service hall's terminal, and nothing personal stays behind in a shared browser.
It is not validated against the form (a draft is incomplete by nature), only
bounded in size; the form checks everything when the application is submitted.
Opening the case removes the draft in the same transaction
(:func:`discard_in`), so a submitted application never comes back as a draft.
A draft not saved again for :data:`KEEP_DAYS` days is deleted by a periodic job
(:data:`PURGE_JOB`): personal data is kept no longer than it serves the applicant.
Its ID number and the personal fields of its data (by the item's forms) are stored
sealed (:mod:`engine.sealing`), bound to the owner and item.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import jobs
from engine.models import utcnow

from . import catalogue
from .case_errors import CaseInvalid, CaseNotFound
from .deadlines import require_aware
from .draft_models import ApplicationDraft

MAX_DRAFT_BYTES = 256 * 1024  # the data as JSON; a draft refers to uploads, it never holds files
KINDS = ("person", "company")
KEEP_DAYS = 90  # after the last save
PURGE_JOB = "purge_stale_drafts"


class DraftNotFound(CaseNotFound):
    code = "draft-not-found"


def save_draft(uow, owner: str, item_code: str, *, data: dict[str, Any], applicant_kind: str,
               id_number: str, now: datetime) -> dict[str, Any]:
    """Keep ``owner``'s draft for an item (replacing an earlier one); returns it as stored."""
    require_aware(now)
    _check(data, applicant_kind, id_number)
    with uow:
        item = catalogue.get_version(uow.session, item_code)  # ItemNotFound for an item never published
        protector, context = uow.env.protector, _context(owner, item_code)
        fields = protector.fields_for(uow.session, item.form_versions)
        draft = uow.session.get(ApplicationDraft, (owner, item_code))
        if draft is None:
            draft = ApplicationDraft(owner=owner, item_code=item_code)
            uow.session.add(draft)
        draft.applicant_kind, draft.saved_at = applicant_kind, now
        draft.id_number = protector.seal_text(id_number, context) if id_number else ""
        draft.data = protector.seal(data, context, fields)
        try:
            uow.commit()
        except IntegrityError:  # the same applicant saved the same draft twice at once: the other save won
            raise CaseInvalid("the draft was saved at the same moment from elsewhere; save again",
                              item_code=item_code) from None
        return _view(applicant_kind, id_number, data, item_code, now)


def get_draft(uow, owner: str, item_code: str) -> dict[str, Any]:
    """The owner's draft of an item with its sealed values opened."""
    with uow:
        draft = uow.session.get(ApplicationDraft, (owner, item_code))
        if draft is None:
            raise DraftNotFound("no draft of this item", item_code=item_code)
        protector, context = uow.env.protector, _context(owner, item_code)
        return _view(draft.applicant_kind, protector.open_text(draft.id_number, context),
                     protector.open(draft.data, context), item_code, draft.saved_at)


def list_drafts(session: Session, owner: str) -> list[dict[str, Any]]:
    """The owner's drafts, most recently saved first, with the item's current name."""
    drafts = session.scalars(select(ApplicationDraft).where(ApplicationDraft.owner == owner)
                             .order_by(ApplicationDraft.saved_at.desc(), ApplicationDraft.item_code)).all()
    names = catalogue.item_names(session, [d.item_code for d in drafts])
    return [{"item_code": d.item_code, "item_name": names.get(d.item_code), "saved_at": d.saved_at}
            for d in drafts]


def discard_draft(uow, owner: str, item_code: str) -> None:
    """Remove the owner's draft of an item; DraftNotFound when there is none."""
    with uow:
        if not discard_in(uow.session, owner, item_code):
            raise DraftNotFound("no draft of this item", item_code=item_code)
        uow.commit()


def discard_in(session: Session, owner: str, item_code: str) -> bool:
    """Remove the draft inside the caller's transaction (opening the case); True when there was one."""
    result = session.execute(delete(ApplicationDraft).where(ApplicationDraft.owner == owner,
                                                            ApplicationDraft.item_code == item_code))
    return result.rowcount > 0


def purge_stale(session: Session, *, now: datetime, keep_days: int = KEEP_DAYS) -> int:
    """Inside the caller's transaction: delete drafts last saved over ``keep_days`` ago; returns how many."""
    cutoff = require_aware(now) - timedelta(days=keep_days)
    return session.execute(delete(ApplicationDraft).where(ApplicationDraft.saved_at < cutoff)).rowcount


@jobs.handler(PURGE_JOB)
def purge_job(uow, bucket: int | None = None) -> None:
    """Periodic job (``env.periodic_jobs``, hourly); running it twice or concurrently is harmless."""
    purge_stale(uow.session, now=utcnow())


def reseal_drafts(env, *, dry_run: bool = False) -> int:
    """Move every draft's sealed values to the current key and seal plaintext ones; returns drafts changed."""
    changed = 0
    with env.unit_of_work() as uow:
        session, protector = uow.session, env.protector
        versions = {row.code: row.form_versions for row in catalogue.list_items(session)}
        for draft in session.scalars(select(ApplicationDraft)):
            context = _context(draft.owner, draft.item_code)
            fields = protector.fields_for(session, versions.get(draft.item_code))
            id_number = protector.reseal_text(draft.id_number, context)
            data = protector.reseal(draft.data, context, fields)
            if id_number is not draft.id_number or data is not draft.data:
                changed += 1
                if not dry_run:
                    draft.id_number, draft.data = id_number, data
        if not dry_run:
            uow.commit()
    return changed


def _view(applicant_kind: str, id_number: str, data: dict[str, Any], item_code: str,
          saved_at: datetime) -> dict[str, Any]:
    return {"item_code": item_code, "applicant": {"kind": applicant_kind, "id_number": id_number},
            "data": data, "saved_at": saved_at}


def _context(owner: str, item_code: str) -> str:
    """What a draft's sealed values are bound to: they open only as this owner's draft of this item."""
    return f"draft:{owner}/{item_code}"


def _check(data: Any, applicant_kind: str, id_number: str) -> None:
    errors = []
    if not isinstance(data, dict):
        errors.append({"pointer": "/data", "message": "a JSON object"})
    elif len(json.dumps(data, ensure_ascii=False).encode()) > MAX_DRAFT_BYTES:
        errors.append({"pointer": "/data", "message": f"at most {MAX_DRAFT_BYTES // 1024} KiB as JSON; "
                                                      "upload files as materials"})
    if applicant_kind not in KINDS:
        errors.append({"pointer": "/applicant/kind", "message": "person or company"})
    if not isinstance(id_number, str) or len(id_number) > 18:
        errors.append({"pointer": "/applicant/id_number", "message": "at most 18 characters"})
    if errors:
        raise CaseInvalid("the draft cannot be kept", errors=errors)
