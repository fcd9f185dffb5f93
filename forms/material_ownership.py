"""Whose an uploaded material is: the uploader's, then the cases it was cited in.

The file store is content-addressed, so a file's SHA-256 is its name; knowing it must not be
enough to get the file. A case's data may cite an uploaded file only when the person
submitting uploaded it themselves, or when the file already belongs to that case (a clerk
passing on the applicant's scan); the citation then attaches the file to the case, and a
file is handed out only through a case it belongs to. Each function works inside the
caller's transaction; none commits.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import CaseMaterial, MaterialUpload


def _insert(session: Session):
    # The two databases the project runs on; both speak this "insert, or leave the row there".
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def record_upload(session: Session, sha256: str, user: str) -> None:
    """``user`` uploaded the file ``sha256`` (again: harmless)."""
    session.execute(_insert(session)(MaterialUpload).values(sha256=sha256, uploaded_by=user)
                    .on_conflict_do_nothing(index_elements=["sha256", "uploaded_by"]))


def citable(session: Session, hashes: Iterable[str], *, case_id: str, user: str | None) -> set[str]:
    """Those of ``hashes`` that ``user`` may cite in the case: uploaded by them, or already the case's."""
    wanted = sorted(set(hashes))
    if not wanted:
        return set()
    own = select(MaterialUpload.sha256).where(MaterialUpload.sha256.in_(wanted),
                                              MaterialUpload.uploaded_by == (user or ""))
    attached = select(CaseMaterial.sha256).where(CaseMaterial.sha256.in_(wanted),
                                                 CaseMaterial.instance_id == case_id)
    return set(session.scalars(own.union(attached)))


def attach(session: Session, hashes: Iterable[str], *, case_id: str, user: str | None) -> None:
    """The files ``hashes`` belong to the case from now on (already attached: harmless)."""
    rows = [{"instance_id": case_id, "sha256": h, "attached_by": user} for h in sorted(set(hashes))]
    if rows:
        session.execute(_insert(session)(CaseMaterial).on_conflict_do_nothing(
            index_elements=["instance_id", "sha256"]), rows)


def belongs_to_case(session: Session, case_id: str, sha256: str) -> bool:
    return session.scalar(select(CaseMaterial.sha256).where(
        CaseMaterial.instance_id == case_id, CaseMaterial.sha256 == sha256)) is not None
