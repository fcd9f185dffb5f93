"""Use cases for process grants: which processes' cases an account may send messages to.

A connected system (an integrator account) drives cases by message correlation; the
security administrator decides which processes it serves. Each function takes a unit of
work (or a session, for reads) and plain values; the change commits once.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .accounts import get_user
from .errors import Invalid
from .models import ProcessGrant

MAX_GRANTS = 500


def process_grants(session: Session, user_id: int) -> list[str]:
    """The process ids granted to the account, sorted."""
    return sorted(session.scalars(select(ProcessGrant.process_id).where(ProcessGrant.user_id == user_id)))


def set_process_grants(uow, user_id: int, process_ids) -> list[str]:
    """Replace the account's process grants; returns them sorted (processes need not be deployed yet)."""
    wanted = sorted(set(process_ids))
    if len(wanted) > MAX_GRANTS:
        raise Invalid("too many processes", errors=[{"pointer": "/processes",
                                                     "message": f"at most {MAX_GRANTS} processes"}])
    with uow:
        get_user(uow.session, user_id)
        uow.session.execute(delete(ProcessGrant).where(ProcessGrant.user_id == user_id))
        uow.session.add_all(ProcessGrant(user_id=user_id, process_id=p) for p in wanted)
        uow.commit()
    return wanted
