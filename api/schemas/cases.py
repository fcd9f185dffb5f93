"""Schemas of cases (办件): opening, receipts, public progress, corrections, promises, refusals, ratings."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from processes.case_models import CHANNELS, LIGHTS

from .common import JsonObject, PageQuerySchema, Timestamp
from .items import ITEM_CODE
from .tasks import TaskSchema

ID = validate.Length(min=1, max=36)
TEXT = validate.Length(min=1, max=2000)
OUTCOMES = ["approved", "denied", "not_accepted", "completed", "cancelled"]
PUBLIC_STATUSES = ["in_progress", "awaiting_correction", "special_procedure", "completed", "not_accepted", "cancelled"]


class ApplicantSchema(Schema):
    user = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=150),
                         metadata={"description": "the applicant's account; online: yourself (default), at a "
                                                  "window: required"})
    id_number = fields.String(required=True, validate=validate.Length(min=18, max=18),
                              metadata={"description": "resident ID number (person) or unified social credit "
                                                       "code (company), check character included"})
    kind = fields.String(load_default="person", validate=validate.OneOf(["person", "company"]))


class OpenCaseSchema(Schema):
    item_code = fields.String(required=True, validate=[validate.Length(min=6, max=64), ITEM_CODE])
    item_version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1),
                                  metadata={"description": "default: the latest published version"})
    channel = fields.String(load_default="online", validate=validate.OneOf(CHANNELS))
    window = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=255),
                           metadata={"description": "the accepting window group (channel window)"})
    applicant = fields.Nested(ApplicantSchema, required=True)
    data = JsonObject(load_default=dict, metadata={"description": "the application form (a one-thing: the "
                                                                  "merged form)"})


class ReceiptSchema(Schema):
    case_id = fields.String(required=True)
    tracking_number = fields.String(required=True)
    query_code = fields.String(required=True, metadata={
        "description": "查询码: with the tracking number, opens the public progress page; give it only to the applicant"})
    item_code = fields.String(required=True)
    item_name = fields.String(required=True)
    channel = fields.String(required=True)
    opened_at = Timestamp(required=True)
    promised_days = fields.Integer(required=True)
    due_at = Timestamp(required=True)
    due_provisional = fields.Boolean(required=True, metadata={
        "description": "the deadline counts through a year whose holiday notice is not loaded (临时)"})
    progress_url = fields.String(required=True, metadata={"description": "what the QR code opens"})
    qr_svg = fields.String(required=True, metadata={"description": "URL of the QR code as SVG"})
    qr_png = fields.String(required=True, metadata={"description": "URL of the QR code as PNG"})


class CaseSummarySchema(Schema):
    case_id = fields.String(required=True)
    tracking_number = fields.String(required=True)
    item_code = fields.String(required=True)
    item_version = fields.Integer(required=True)
    item_name = fields.String(required=True)
    department = fields.String(required=True)
    region_code = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    applicant_user = fields.String(required=True)
    applicant_kind = fields.String(required=True)
    applicant_id_masked = fields.String(required=True)
    opened_by = fields.String(required=True)
    window = fields.String(allow_none=True)
    opened_at = Timestamp(required=True)
    promised_days = fields.Integer(required=True)
    paused_days = fields.Integer(required=True)
    due_at = Timestamp(required=True)
    due_provisional = fields.Boolean(required=True, metadata={
        "description": "the deadline counts through a year whose holiday notice is not loaded (临时)"})
    light = fields.String(required=True, validate=validate.OneOf(LIGHTS))
    outcome = fields.String(allow_none=True, validate=validate.OneOf(OUTCOMES))
    closed_at = Timestamp(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(PUBLIC_STATUSES))
    status_label = fields.String(required=True)


class CaseQuerySchema(PageQuerySchema):
    item_code = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    light = fields.String(load_default=None, validate=validate.OneOf(LIGHTS))
    open_only = fields.Boolean(load_default=False)


class CasePageSchema(Schema):
    items = fields.List(fields.Nested(CaseSummarySchema), required=True)
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


class DeficiencySchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["material", "field"]))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    problem = fields.String(required=True, validate=TEXT)
    ref = fields.String(load_default=None, validate=validate.Length(min=1, max=200),
                        metadata={"description": "material code or JSON pointer of the field"})
    requirement = fields.String(load_default=None, validate=TEXT)


def _items(description: str):
    return fields.List(fields.Nested(DeficiencySchema), required=True, validate=validate.Length(min=1, max=100),
                       metadata={"description": description})


class StepSchema(Schema):
    """The process step completed together with an acceptance decision, if any."""

    task_id = fields.String(load_default=None, allow_none=True, validate=ID,
                            metadata={"description": "the step to complete with ``data`` in the same transaction"})
    data = JsonObject(load_default=None, allow_none=True)


class CorrectionRequestSchema(StepSchema):
    items = _items("everything the applicant must correct (one notice lists it all: 一次性告知)")


class CorrectionSchema(Schema):
    id = fields.Integer(required=True)
    round = fields.Integer(required=True)
    items = fields.List(fields.Dict(), required=True)
    notice_text = fields.String(required=True)
    issued_by = fields.String(required=True)
    issued_at = Timestamp(required=True)
    resubmitted_at = Timestamp(allow_none=True)
    paused_working_days = fields.Integer(allow_none=True)


class ResubmitSchema(Schema):
    data = JsonObject(load_default=None, allow_none=True,
                      metadata={"description": "the correction step's form, when the process has one"})


class ResubmittedSchema(Schema):
    case_id = fields.String(required=True)
    paused_working_days = fields.Integer(required=True, metadata={"description": "added to the deadline"})
    due_at = Timestamp(required=True)


class PromiseRequestSchema(StepSchema):
    kind = fields.String(required=True, validate=validate.OneOf(["deficiency", "commitment"]),
                         metadata={"description": "deficiency: 容缺受理; commitment: 告知承诺"})
    items = _items("the materials handed in later")
    days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=365),
                          metadata={"description": "working days to hand them in (default: the item's option)"})


class PromiseSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    items = fields.List(fields.Dict(), required=True)
    days = fields.Integer(required=True)
    due_at = Timestamp(required=True)
    notice_text = fields.String(required=True)
    fulfilled_at = Timestamp(allow_none=True)
    overdue = fields.Boolean(required=True)
    flagged_at = Timestamp(allow_none=True)


class RefusalRequestSchema(StepSchema):
    reason = fields.String(required=True, validate=TEXT)
    basis = fields.String(load_default=None, allow_none=True, validate=TEXT,
                          metadata={"description": "the legal basis cited"})


class RefusalSchema(Schema):
    case_id = fields.String(required=True)
    reason = fields.String(required=True)
    basis = fields.String(allow_none=True)
    notice_text = fields.String(required=True, metadata={"description": "不予受理通知书, with the remedies"})
    refused_at = Timestamp(required=True)


class RatingRequestSchema(Schema):
    score = fields.Integer(required=True, validate=validate.Range(min=1, max=5),
                           metadata={"description": "1 very poor … 5 very good (好差评)"})
    comment = fields.String(load_default=None, allow_none=True, validate=TEXT)


class RatingSchema(Schema):
    case_id = fields.String(required=True)
    score = fields.Integer(required=True)
    comment = fields.String(allow_none=True)
    rated_at = Timestamp(required=True)


class DecisionSchema(Schema):
    element_id = fields.String(required=True)
    table_name = fields.String(allow_none=True)
    rules = fields.List(fields.Dict(), required=True)
    outputs = fields.Raw(allow_none=True)
    recorded_at = Timestamp(required=True)


class CaseSchema(CaseSummarySchema):
    current_tasks = fields.List(fields.Nested(TaskSchema), required=True)
    corrections = fields.List(fields.Nested(CorrectionSchema), required=True)
    promises = fields.List(fields.Nested(PromiseSchema), required=True)
    refusal = fields.Nested(RefusalSchema, allow_none=True)
    licences = fields.List(fields.String(), required=True, metadata={"description": "numbers of its e-licences"})
    rating = fields.Nested(RatingSchema, allow_none=True)
    decisions = fields.List(fields.Nested(DecisionSchema), required=True,
                            metadata={"description": "rules that decided automatic steps (智慧审批)"})


class ProgressStepSchema(Schema):
    step = fields.String(required=True)
    finished_at = Timestamp(allow_none=True)


class CurrentStepSchema(Schema):
    step = fields.String(required=True)
    since = Timestamp(required=True)
    due_at = Timestamp(allow_none=True)
    due_provisional = fields.Boolean(required=True)


class ProgressQuerySchema(Schema):
    code = fields.String(load_default=None, validate=validate.Length(max=32), metadata={
        "description": "the query code (查询码) printed on the receipt and carried in its QR link"})


class PublicProgressSchema(Schema):
    """What anyone holding the tracking number sees: no names, numbers, handlers or form data."""

    tracking_number = fields.String(required=True)
    item_code = fields.String(required=True)
    item_name = fields.String(required=True)
    opened_at = Timestamp(required=True)
    status = fields.String(required=True, validate=validate.OneOf(PUBLIC_STATUSES))
    status_label = fields.String(required=True, metadata={"example": "办理中"})
    due_at = Timestamp(required=True)
    due_provisional = fields.Boolean(required=True, metadata={
        "description": "the deadline counts through a year whose holiday notice is not loaded (临时)"})
    closed_at = Timestamp(allow_none=True)
    steps_done = fields.List(fields.Nested(ProgressStepSchema), required=True)
    current_steps = fields.List(fields.Nested(CurrentStepSchema), required=True)
