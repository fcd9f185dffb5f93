"""The working-day calendar: yearly State Council holiday notices, local days, status and warnings.

Reading is open to every signed-in user (deadlines depend on it); changing needs
``calendar:manage``. Every change moves the deadlines it touches at once and is audited.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint
from marshmallow import fields

from processes import holiday_calendar

from ..auditing import context, work
from ..auth import actor, reading
from ..case_settings import now
from ..endpoint import endpoint
from ..schemas.calendar import (
    CalendarDaySchema,
    CalendarImportReportSchema,
    CalendarImportSchema,
    CalendarOverrideSchema,
    CalendarQuerySchema,
    CalendarSetSchema,
    CalendarStatusSchema,
    CalendarYearQuerySchema,
    LocalDaySetSchema,
    MovedSchema,
)

bp = Blueprint("calendar", __name__)
MANAGE = "calendar:manage"
_DAY = fields.Date()


def _audited(report) -> None:
    """What the audit record of a calendar change keeps (called before the change commits)."""
    ctx = context()
    ctx.object_id = ctx.object_id or ",".join(map(str, report.years))
    ctx.details.update({"national_days": report.national_days, "local_days": report.local_days,
                        "cases_moved": report.cases_moved, "steps_moved": report.steps_moved})


def _moved(report) -> dict[str, int]:
    return {"cases_moved": report.cases_moved, "steps_moved": report.steps_moved}


@bp.get("/calendar/status")
@endpoint("Where each year's working days come from, and the notices an administrator must load",
          response=CalendarStatusSchema())
def status():
    with reading() as uow:
        return holiday_calendar.calendar_status(uow.session, now=now())


@bp.get("/calendar/days")
@endpoint("The days of a year that are not ordinary working days or weekends, with where each comes from",
          query=CalendarYearQuerySchema(), response=CalendarDaySchema(many=True))
def days(query):
    with reading() as uow:
        return holiday_calendar.calendar_days(uow.session, query["year"])


@bp.post("/calendar/import")
@endpoint("Load a holiday notice file (or check it with dry_run): replaces the years it names and moves "
          "the deadlines they touch", permission=MANAGE, body=CalendarImportSchema(),
          response=CalendarImportReportSchema(), audit=("calendar.imported", "calendar"))
def import_file(body):
    context().details = {"dry_run": body["dry_run"]}
    report = holiday_calendar.import_calendar(work(), body["content"], actor=actor(), now=now(),
                                              dry_run=body["dry_run"], on_change=_audited)
    return asdict(report)  # a dry run commits nothing: its record is written on its own


@bp.delete("/calendar/years/<int:year>")
@endpoint("Forget a year's loaded notice (its days fall back to the library or the statutory holidays)",
          permission=MANAGE, response=MovedSchema(), audit=("calendar.year_unloaded", "calendar"),
          audit_id="year")
def unload(year):
    return _moved(holiday_calendar.unload_year(work(), year, now=now(), on_change=_audited))


@bp.put("/calendar/local/<day>")
@endpoint("Declare a local closure or local working day", permission=MANAGE, body=LocalDaySetSchema(),
          response=MovedSchema(), audit=("calendar.local_day_set", "day"), audit_id="day")
def set_local(day, body):
    context().details = dict(body)
    return _moved(holiday_calendar.set_local_day(work(), _DAY.deserialize(day), body["kind"], actor=actor(),
                                                 now=now(), name=body["name"], notice=body["notice"],
                                                 on_change=_audited))


@bp.delete("/calendar/local/<day>")
@endpoint("Give a day back to the national calendar", permission=MANAGE, response=MovedSchema(),
          audit=("calendar.local_day_cleared", "day"), audit_id="day")
def clear_local(day):
    return _moved(holiday_calendar.clear_local_day(work(), _DAY.deserialize(day), now=now(), on_change=_audited))


# -- the older form of local days (working: true / false) ----------------------------
def _overrides(session, year: int | None) -> list[dict]:
    years = [year] if year else holiday_calendar.local_years(session)
    return [{"day": d["day"], "working": d["working"], "note": d["name"], "set_by": d["set_by"],
             "set_at": d["set_at"]}
            for y in years for d in holiday_calendar.calendar_days(session, y) if d["scope"] == "local"]


@bp.get("/calendar/overrides")
@endpoint("Local days off and local working days (the older form of /calendar/days)",
          query=CalendarQuerySchema(), response=CalendarOverrideSchema(many=True))
def calendar_overrides(query):
    with reading() as uow:
        return _overrides(uow.session, query["year"])


@bp.put("/calendar/overrides/<day>")
@endpoint("Declare a day a local day off (working: false) or a local working day (true)",
          permission=MANAGE, body=CalendarSetSchema(), response=CalendarOverrideSchema(),
          audit=("calendar.override_set", "day"), audit_id="day")
def set_override(day, body):
    date = _DAY.deserialize(day)
    context().details = {"working": body["working"], "note": body["note"]}
    holiday_calendar.set_local_day(work(), date, "local_workday" if body["working"] else "closure",
                                   actor=actor(), now=now(), name=body["note"], on_change=_audited)
    with reading() as uow:
        return next(o for o in _overrides(uow.session, date.year) if o["day"] == date)


@bp.delete("/calendar/overrides/<day>")
@endpoint("Give a day back to the national calendar (the older form of DELETE /calendar/local/{day})",
          permission=MANAGE, response=None, status=204, audit=("calendar.override_cleared", "day"),
          audit_id="day")
def clear_override(day):
    holiday_calendar.clear_local_day(work(), _DAY.deserialize(day), now=now(), on_change=_audited)
