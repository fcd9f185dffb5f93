"""Application drafts (草稿): the caller's own half-filled applications, one per item.

Only the caller's drafts exist for the caller: there is no way to name another
account, so another applicant's draft is simply not found. Opening the case
(``POST /cases`` online) removes the draft of that item.
"""

from __future__ import annotations

from flask import Blueprint

from processes import drafts

from ..auditing import work
from ..auth import reading, require_principal
from ..case_settings import now
from ..endpoint import endpoint
from ..schemas.drafts import DraftListSchema, DraftRequestSchema, DraftSchema

bp = Blueprint("drafts", __name__)
APPLY = "instances:start"
CODE = "<item_code>"


@bp.get("/drafts")
@endpoint("My application drafts, most recently saved first", permission=APPLY, response=DraftListSchema())
def list_drafts():
    with reading() as uow:
        return {"items": drafts.list_drafts(uow.session, require_principal().username)}


@bp.get(f"/drafts/{CODE}")
@endpoint("My draft of an item's application", permission=APPLY, response=DraftSchema(), errors=(404,))
def get_draft(item_code):
    with reading() as uow:
        return drafts.get_draft(uow, require_principal().username, item_code)


@bp.put(f"/drafts/{CODE}")
@endpoint("Keep my draft of an item's application (replaces the earlier one)", permission=APPLY,
          body=DraftRequestSchema(), response=DraftSchema(), errors=(404,), audit=("draft.saved", "draft"),
          audit_id="item_code",
          description="Not validated against the form: that happens when the application is submitted. "
                      "404 for an item that was never published; 422 for a draft over 256 KiB.")
def save_draft(item_code, body):
    applicant = body["applicant"]
    return drafts.save_draft(work(), require_principal().username, item_code, data=body["data"],
                             applicant_kind=applicant["kind"], id_number=applicant["id_number"], now=now())


@bp.delete(f"/drafts/{CODE}")
@endpoint("Throw my draft of an item away", permission=APPLY, errors=(404,), audit=("draft.discarded", "draft"),
          audit_id="item_code")
def discard_draft(item_code):
    drafts.discard_draft(work(), require_principal().username, item_code)
