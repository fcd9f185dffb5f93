"""Schemas of the working-day calendar: yearly holiday notices, local days, status and warnings."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from processes.calendar_models import KINDS
from processes.holiday_calendar import MAX_LINES

from .common import QuerySchema, Timestamp

YEAR = validate.Range(min=2000, max=2100)
SOURCES = ("local", "notice", "library", "statutory")


class CalendarQuerySchema(QuerySchema):
    year = fields.Integer(load_default=None, validate=YEAR)


class CalendarYearQuerySchema(QuerySchema):
    year = fields.Integer(required=True, validate=YEAR)


class CalendarDaySchema(Schema):
    day = fields.Date(required=True)
    scope = fields.String(required=True, validate=validate.OneOf(("national", "local")))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS),
                         metadata={"description": "holiday (day off by the notice), workday (make-up working "
                                                  "day), closure (local day off), local_workday"})
    working = fields.Boolean(required=True)
    name = fields.String(allow_none=True)
    source = fields.String(required=True, validate=validate.OneOf(SOURCES),
                           metadata={"description": "statutory: the law alone, the year is provisional"})
    notice = fields.String(allow_none=True, metadata={"description": "the notice the day comes from"})
    set_by = fields.String(allow_none=True)
    set_at = Timestamp(allow_none=True)


class CalendarYearSchema(Schema):
    year = fields.Integer(required=True)
    source = fields.String(required=True, validate=validate.OneOf(SOURCES[1:]))
    provisional = fields.Boolean(required=True)
    notice = fields.String(allow_none=True)
    loaded_by = fields.String(allow_none=True)
    loaded_at = Timestamp(allow_none=True)


class CalendarWarningSchema(Schema):
    code = fields.String(required=True)
    year = fields.Integer(required=True)
    day = fields.String()
    message = fields.String(required=True)
    message_en = fields.String()


class CalendarStatusSchema(Schema):
    years = fields.List(fields.Nested(CalendarYearSchema), required=True)
    warnings = fields.List(fields.Nested(CalendarWarningSchema), required=True)


class CalendarImportSchema(Schema):
    content = fields.String(required=True, validate=validate.Length(min=1, max=MAX_LINES * 200),
                            metadata={"description": "the notice file: one line per day, "
                                                     "date,kind,name,notice (see docs/cases.md)"})
    dry_run = fields.Boolean(load_default=False, metadata={"description": "check and report, store nothing"})


class CalendarImportReportSchema(Schema):
    years = fields.List(fields.Integer(), required=True)
    national_days = fields.Integer(required=True)
    local_days = fields.Integer(required=True)
    warnings = fields.List(fields.Nested(CalendarWarningSchema), required=True)
    cases_moved = fields.Integer(required=True, metadata={"description": "open cases whose deadline moved"})
    steps_moved = fields.Integer(required=True, metadata={"description": "open steps whose deadline moved"})
    dry_run = fields.Boolean(required=True)


class MovedSchema(Schema):
    cases_moved = fields.Integer(required=True)
    steps_moved = fields.Integer(required=True)


class LocalDaySetSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("closure", "local_workday")))
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    notice = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class CalendarOverrideSchema(Schema):
    """A local day in the older form (working: true/false)."""

    day = fields.Date(required=True)
    working = fields.Boolean(required=True, metadata={"description": "true: a local working day; false: a "
                                                                    "local day off"})
    note = fields.String(allow_none=True)
    set_by = fields.String(allow_none=True)
    set_at = Timestamp(allow_none=True)


class CalendarSetSchema(Schema):
    working = fields.Boolean(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
