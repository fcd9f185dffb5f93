"""Schemas shared by every resource: problems, paging, JSON values."""

from __future__ import annotations

from datetime import timezone

from marshmallow import EXCLUDE, Schema, fields, validate


class _UtcDateTime(fields.AwareDateTime):
    """ISO 8601 with an offset, always: naive values from the database are UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


def Timestamp(**kwargs) -> fields.AwareDateTime:  # noqa: N802 - reads like a field class
    return _UtcDateTime(format="iso", default_timezone=timezone.utc, **kwargs)


def JsonObject(**kwargs) -> fields.Dict:  # noqa: N802
    return fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), **kwargs)


class QuerySchema(Schema):
    """Query strings ignore parameters they do not know (caches and proxies add some)."""

    class Meta:
        unknown = EXCLUDE


class PageQuerySchema(QuerySchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class FieldProblemSchema(Schema):
    pointer = fields.String(required=True, metadata={"description": "JSON pointer to the field"})
    message = fields.String(required=True)
    code = fields.String()


class ProblemSchema(Schema):
    """An RFC 9457 problem document; ``errors``/``issues`` list every problem at once."""

    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True, metadata={"example": "urn:yiwang:problem:not-found"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    errors = fields.List(fields.Dict(), metadata={"description": "(pointer, message) per invalid field"})
    issues = fields.List(fields.Dict(), metadata={"description": "lint issues (element id, line)"})
    problems = fields.List(fields.Dict(), metadata={"description": "form authoring problems"})


class ReasonSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
