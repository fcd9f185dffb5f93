"""Tracking numbers and receipts (受理回执) with a QR code to the public progress page.

A tracking number reads ``<item>-<region>-<yyyymmdd>-<sequence><check>``, e.g.
``SPJY0001-320505-20260930-00017K``: the item code (letters and digits, at most 20),
the region code, the opening day (China Standard Time), a sequence per region and
day, and an ISO 7064 MOD 37-36 check character over all of it, so a mistyped number
is refused before any lookup. A tracking number can be guessed (sequences are short and
the check character is computable), so it opens nothing on its own: the public progress
page also needs the case's query code (查询码), a random code printed on the receipt and
carried in its QR link, which only the applicant holds. Sequences come from one counter row per (region, day)
bumped with a single ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` statement:
atomic on PostgreSQL (row lock) and on SQLite (one writer at a time), in a short
transaction of its own so case openings never wait on each other for long. Numbers
are unique, not gapless: a case whose start fails leaves its number unused.
"""

from __future__ import annotations

import hmac
import io
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

import segno
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from stdnum.iso7064 import mod_37_36

from engine.calendar import CST

from .case_errors import CaseInvalid, CaseNotFound
from .case_models import Case, TrackingCounter
from .deadlines import load_calendar

_ITEM_CHARS = re.compile(r"[^0-9A-Z]")
_REGION = re.compile(r"\A\d{6,12}\Z")
# Query codes: 10 characters without look-alikes (0/O, 1/I/L): 31^10, about 8e14 codes.
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 10
_TRACKING = re.compile(r"\A[0-9A-Z]{1,20}-\d{6,12}-\d{8}-\d{5,}[0-9A-Z]\Z")


# -- tracking numbers -------------------------------------------------------
def allocate_tracking_number(uow, *, item_code: str, region_code: str, day: date) -> str:
    """Hand out the next tracking number for the region and day (commits its own transaction)."""
    prefix = item_prefix(item_code)
    if not _REGION.match(region_code or ""):
        raise CaseInvalid("the region code must be 6 to 12 digits", region_code=region_code)
    with uow:
        sequence = _next_value(uow.session, f"{region_code}:{day:%Y%m%d}")
        uow.commit()
    return format_tracking_number(prefix, region_code, day, sequence)


def item_prefix(item_code: str) -> str:
    prefix = _ITEM_CHARS.sub("", (item_code or "").upper())[:20]
    if not prefix:
        raise CaseInvalid("the item code has no letters or digits", item_code=item_code)
    return prefix


def format_tracking_number(prefix: str, region_code: str, day: date, sequence: int) -> str:
    body = f"{prefix}-{region_code}-{day:%Y%m%d}-{sequence:05d}"
    return body + mod_37_36.calc_check_digit(body.replace("-", ""))


def is_valid_tracking_number(text: str) -> bool:
    """Shape and check character; says nothing about whether the case exists."""
    return bool(_TRACKING.match(text or "")) and mod_37_36.is_valid(text.replace("-", ""))


def _next_value(session, scope: str) -> int:
    # The two databases the project runs on; both speak this upsert.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(TrackingCounter)
        .values(scope=scope, value=1)
        .on_conflict_do_update(index_elements=[TrackingCounter.scope],
                               set_={"value": TrackingCounter.value + 1})
        .returning(TrackingCounter.value)
    )
    return session.execute(statement).scalar_one()


def new_query_code() -> str:
    """A random query code (查询码) for a new case's receipt."""
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def case_by_query(session, tracking_number: str, query_code: str | None) -> Case:
    """The case with this number *and* this query code; a wrong code is answered like an unknown number."""
    try:
        case = case_by_tracking_number(session, tracking_number)
    except CaseNotFound:
        case = None
    given = (query_code or "").strip().upper().encode()
    if case is None or not case.query_code or not hmac.compare_digest(case.query_code.encode(), given):
        raise CaseNotFound("no case has this tracking number and query code", tracking_number=tracking_number)
    return case


def case_by_tracking_number(session, tracking_number: str) -> Case:
    if not is_valid_tracking_number(tracking_number):
        raise CaseNotFound("this is not a valid tracking number", tracking_number=tracking_number)
    case = session.scalars(select(Case).where(Case.tracking_number == tracking_number)).first()
    if case is None:
        raise CaseNotFound("no case has this tracking number", tracking_number=tracking_number)
    return case


# -- receipts ---------------------------------------------------------------
@dataclass(frozen=True)
class Receipt:
    """What the applicant takes away: the number, the promised deadline and the QR code."""

    tracking_number: str
    query_code: str
    item_code: str
    item_name: str
    channel: str
    opened_at: datetime
    promised_days: int
    due_at: datetime
    due_provisional: bool  # counted through a year whose holiday notice is not loaded
    progress_url: str
    qr_svg: bytes
    qr_png: bytes


def progress_url(base_url: str, tracking_number: str, query_code: str) -> str:
    return f"{base_url.rstrip('/')}/progress/{quote(tracking_number)}?code={quote(query_code)}"


def make_receipt(session, case_id: str, *, base_url: str) -> Receipt:
    """The receipt of a case; ``base_url`` is :attr:`CaseConfig.public_base_url`."""
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound("no case with this id", case_id=case_id)
    url = progress_url(base_url, case.tracking_number, case.query_code)
    return Receipt(
        tracking_number=case.tracking_number, query_code=case.query_code, item_code=case.item_code, item_name=case.item_name,
        channel=case.channel, opened_at=case.opened_at, promised_days=case.promised_days, due_at=case.due_at,
        due_provisional=load_calendar(session).is_provisional(case.opened_at, case.due_at), progress_url=url, qr_svg=qr_svg(url), qr_png=qr_png(url),
    )


def qr_svg(url: str, title: str = "办件进度查询") -> bytes:
    """An SVG QR code; the URL is also written in its <desc> for screen readers."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, xmldecl=False, title=title, desc=url)
    return out.getvalue()


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=4)
    return out.getvalue()


def opening_day(now: datetime) -> date:
    """The day a case opened, as the hall's clock shows it."""
    return now.astimezone(CST).date()
