"""Schemas of application materials (申请材料): the upload's query and body, the reference it answers with."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .common import QuerySchema

UPLOAD_CONTENT = {
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary", "description": "one file"}}}},
}


class UploadQuerySchema(QuerySchema):
    form_key = fields.String(load_default=None, validate=validate.Length(min=1, max=255),
                             metadata={"description": "the form whose material field the file is for"})
    form_version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1),
                                  metadata={"description": "default: the latest version"})
    field = fields.String(load_default=None, validate=validate.Length(min=1, max=500),
                          metadata={"description": "JSON pointer of the material field in the form's data, "
                                                   "e.g. /contract; its formats and size limit apply"})


class MaterialReferenceSchema(Schema):
    source = fields.String(required=True, metadata={"example": "upload"})
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
    format = fields.String(required=True, metadata={"example": "pdf"})
    media_type = fields.String(required=True)
    name = fields.String(required=True)
