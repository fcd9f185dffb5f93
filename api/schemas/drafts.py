"""Application drafts (草稿)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .common import JsonObject, Timestamp


class DraftApplicantSchema(Schema):
    kind = fields.String(load_default="person", validate=validate.OneOf(["person", "company"]))
    id_number = fields.String(load_default="", validate=validate.Length(max=18),
                              metadata={"description": "as typed so far; checked when the application is "
                                                       "submitted"})


class DraftRequestSchema(Schema):
    applicant = fields.Nested(DraftApplicantSchema, load_default=lambda: {"kind": "person", "id_number": ""})
    data = JsonObject(load_default=dict, metadata={"description": "the application form as filled in so far "
                                                                  "(not validated; at most 256 KiB as JSON)"})


class DraftSchema(Schema):
    item_code = fields.String(required=True)
    applicant = fields.Nested(DraftApplicantSchema, required=True)
    data = JsonObject(required=True)
    saved_at = Timestamp(required=True)


class DraftSummarySchema(Schema):
    item_code = fields.String(required=True)
    item_name = fields.String(allow_none=True)
    saved_at = Timestamp(required=True)


class DraftListSchema(Schema):
    items = fields.List(fields.Nested(DraftSummarySchema), required=True)
