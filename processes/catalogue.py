"""The service item catalogue: published item versions and what a new case of an item starts with.

An :class:`ItemVersion` row is immutable once stored. It holds the item's
catalogue data (the normalised item.json) pinned to the process definition
versions and form versions it was published with; publishing the same content
again returns the version already stored (see :func:`record_version`). A case of
an item starts the pinned definition (:func:`prepare_case`), so the service guide
generated from a version describes exactly the process that runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.db import Base
from engine.models import ProcessDefinition, UtcDateTime, utcnow
from forms.validation import content_hash

from . import one_thing
from .item_errors import ItemNotFound, ItemVersionConflict, ItemVersionImmutable
from .item_models import ServiceItem, parse_item


class ItemVersion(Base):
    """One published version of a service item (政务服务事项), pinned to its process and forms."""

    __tablename__ = "catalogue_item_version"
    __table_args__ = (
        UniqueConstraint("code", "version"),
        Index("ix_catalogue_item_version_hash", "code", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64))  # 事项编码
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    item_type: Mapped[str] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(String(12))
    promised_days: Mapped[float] = mapped_column(Float)
    # SHA-256 of the canonical item data + pinned versions: equal content, equal version.
    content_hash: Mapped[str] = mapped_column(String(64))
    # The normalised item.json (defaults written out).
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    process_id: Mapped[str] = mapped_column(String(255))
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    # {process id: definition version} of every process deployed from the bundle.
    definitions: Mapped[dict[str, int]] = mapped_column(JSON)
    # {form key: version} of every form the item uses, generated ones included.
    form_versions: Mapped[dict[str, int]] = mapped_column(JSON)
    # What the bundle itself held (export writes these back): form keys and BPMN/DMN file names.
    bundle_forms: Mapped[list[str]] = mapped_column(JSON)
    bundle_files: Mapped[list[str]] = mapped_column(JSON)
    critical_days: Mapped[float] = mapped_column(Float)
    published_by: Mapped[str | None] = mapped_column(String(255))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    def case_ref(self):
        """What a case of this version needs to know (:class:`processes.cases.ItemRef`)."""
        from .cases import ItemRef

        return ItemRef(code=self.code, version=self.version, name=self.name, department=self.department,
                       region_code=self.region_code, promised_days=self.promised_days,
                       process_id=self.process_id, definition_id=self.definition_id,
                       smart_approval=any(name.endswith(".dmn") for name in self.bundle_files or ()),
                       form_versions=dict(self.form_versions or {}))

    def item(self) -> ServiceItem:
        return parse_item(self.document)

    def __repr__(self) -> str:
        return f"<ItemVersion {self.code} v{self.version}>"


@event.listens_for(ItemVersion, "before_update")
def _refuse_update(_mapper, _connection, target: ItemVersion) -> None:
    # Published versions are immutable (style rule 11): publish a new version instead.
    raise ItemVersionImmutable("published item versions cannot be changed", code=target.code, version=target.version)


@dataclass(frozen=True)
class Pins:
    """What an item version is pinned to, besides its own data."""

    definition: ProcessDefinition
    definitions: dict[str, int]
    form_versions: dict[str, int]
    bundle_forms: list[str]
    bundle_files: list[str]
    critical_days: float


def item_hash(item: ServiceItem, pins: Pins) -> str:
    """What makes two versions the same: the item data and everything it is pinned to."""
    return content_hash({"item": item.document, "definitions": pins.definitions, "forms": pins.form_versions,
                         "bundle_forms": sorted(pins.bundle_forms), "bundle_files": sorted(pins.bundle_files)})


def record_version(session: Session, item: ServiceItem, pins: Pins, *, published_by: str | None = None,
                   note: str | None = None) -> tuple[ItemVersion, bool]:
    """Store a new version of the item, or return the stored one with identical content.

    Flushes, never commits: the caller's transaction holds it with the rest of the import.

    Returns:
        The version and whether it was created now.

    Raises:
        ItemVersionConflict: another publish of the same item stored this version number first.
    """
    digest = item_hash(item, pins)
    same = session.scalars(select(ItemVersion).where(ItemVersion.code == item.code,
                                                     ItemVersion.content_hash == digest)
                           .order_by(ItemVersion.version).limit(1)).first()
    if same is not None:
        return same, False
    latest = session.scalar(select(func.max(ItemVersion.version)).where(ItemVersion.code == item.code))
    row = ItemVersion(
        code=item.code, version=(latest or 0) + 1, name=item.name, item_type=item.type,
        department=item.department, level=item.level, region_code=item.region_code,
        promised_days=item.promised_days, content_hash=digest, document=item.document,
        process_id=item.process_id, definition_id=pins.definition.id, definitions=pins.definitions,
        form_versions=pins.form_versions, bundle_forms=sorted(pins.bundle_forms),
        bundle_files=sorted(pins.bundle_files), critical_days=pins.critical_days,
        published_by=published_by, note=note,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as err:
        raise ItemVersionConflict("another version of this item was published at the same time",
                                  code=item.code, version=row.version) from err
    return row, True


# -- reading ---------------------------------------------------------------------------
def get_version(session: Session, code: str, version: int | None = None) -> ItemVersion:
    """An item version; the latest when ``version`` is None.

    Raises:
        ItemNotFound: no such item or version.
    """
    query = select(ItemVersion).where(ItemVersion.code == code)
    query = query.where(ItemVersion.version == version) if version is not None else query
    found = session.scalars(query.order_by(ItemVersion.version.desc()).limit(1)).first()
    if found is None:
        raise ItemNotFound("no service item with this code and version", code=code, version=version)
    return found


def list_versions(session: Session, code: str) -> list[ItemVersion]:
    """Every version of an item, oldest first."""
    return list(session.scalars(select(ItemVersion).where(ItemVersion.code == code).order_by(ItemVersion.version)))


def list_items(session: Session, *, region_code: str | None = None, item_type: str | None = None,
               department: str | None = None) -> list[ItemVersion]:
    """The latest version of every item, by code, optionally filtered."""
    latest = (select(ItemVersion.code, func.max(ItemVersion.version).label("version"))
              .group_by(ItemVersion.code).subquery())
    query = select(ItemVersion).join(latest, (ItemVersion.code == latest.c.code)
                                     & (ItemVersion.version == latest.c.version))
    for column, value in ((ItemVersion.region_code, region_code), (ItemVersion.item_type, item_type),
                          (ItemVersion.department, department)):
        if value is not None:
            query = query.where(column == value)
    return list(session.scalars(query.order_by(ItemVersion.code)))


def item_names(session: Session, codes: list[str]) -> dict[str, str]:
    """The current (latest version's) name of each of these items."""
    if not codes:
        return {}
    rows = session.execute(select(ItemVersion.code, ItemVersion.name).where(ItemVersion.code.in_(set(codes)))
                           .order_by(ItemVersion.code, ItemVersion.version))
    return {code: name for code, name in rows}  # the last version of a code wins


@dataclass(frozen=True)
class CaseStart:
    """What :func:`engine.runtime.start_instance` needs to start a case of an item version."""

    code: str
    item_version: int
    definition_id: int
    data: dict[str, Any]
    # The form versions the item version pins: pass them to start_instance.
    form_versions: dict[str, int] = field(default_factory=dict)


def prepare_case(session: Session, code: str, submission: dict[str, Any], *, applicant: str,
                 version: int | None = None, locale: str = "zh-CN") -> CaseStart:
    """The pinned definition and the start data for an application to an item.

    A one-thing's merged application is checked and split per part item
    (:func:`processes.one_thing.case_data`); any other item's application is the
    start data as is (the engine checks it against the start form).

    Raises:
        ItemNotFound: no such item.
        FormDataError: a one-thing application with problems, all of them listed.
    """
    row = get_version(session, code, version)
    item = row.item()
    data = submission
    if item.is_one_thing:
        data = one_thing.case_data(session, item, row.form_versions, submission, applicant=applicant, locale=locale)
    return CaseStart(row.code, row.version, row.definition_id, data, dict(row.form_versions or {}))
