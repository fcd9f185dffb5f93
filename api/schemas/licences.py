"""Schemas of e-licences (电子证照): issuing, the signed document, verification."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .common import JsonObject, Timestamp

NAME = validate.Length(min=1, max=200)


class LicenceIssueSchema(Schema):
    holder_id = fields.String(required=True, validate=validate.Length(min=18, max=18),
                              metadata={"description": "the holder's resident ID number or credit code"})
    holder_name = fields.String(required=True, validate=NAME)
    holder_kind = fields.String(load_default=None, validate=validate.OneOf(["person", "company"]),
                                metadata={"description": "default: the applicant's kind"})
    data = JsonObject(load_default=dict, metadata={"description": "what the licence certifies"})
    licence_type = fields.String(load_default=None, validate=validate.Length(min=1, max=80),
                                 metadata={"description": "default: the item's result.e_licence_type"})
    title = fields.String(load_default=None, validate=NAME, metadata={"description": "default: the item's result"})
    issuer = fields.String(load_default=None, validate=validate.Length(min=1, max=255),
                           metadata={"description": "default: the item's department"})
    valid_until = Timestamp(load_default=None, allow_none=True)


class LicenceSchema(Schema):
    number = fields.String(required=True)
    licence_type = fields.String(required=True)
    title = fields.String(required=True)
    case_id = fields.String(required=True)
    holder_kind = fields.String(required=True)
    holder_id = fields.String(required=True, metadata={"description": "masked unless the caller handles the case "
                                                                      "or holds the licence"})
    holder_name = fields.String(required=True)
    data = JsonObject(required=True)
    issuer = fields.String(required=True)
    issued_at = Timestamp(required=True)
    valid_until = Timestamp(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["valid", "revoked"]))
    algorithm = fields.String(required=True)
    key_id = fields.String(required=True)


class LicenceDocumentSchema(Schema):
    """What a holder hands to a verifier: the exact signed payload and its signature."""

    payload = fields.String(required=True, validate=validate.Length(min=2, max=200_000),
                            metadata={"description": "canonical JSON, exactly as signed"})
    signature = fields.String(required=True, validate=validate.Length(min=1, max=200),
                              metadata={"description": "Ed25519 signature, base64"})
    algorithm = fields.String(required=True, validate=validate.Length(min=1, max=20))
    key_id = fields.String(required=True, validate=validate.Length(min=1, max=32))


class LicenceVerificationSchema(Schema):
    valid = fields.Boolean(required=True)
    reason = fields.String(allow_none=True, metadata={"description": "why it is not valid"})
    key_id = fields.String(allow_none=True)
    number = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    issuer = fields.String(allow_none=True)
    issued_at = fields.String(allow_none=True)


class PublicKeysSchema(Schema):
    algorithm = fields.String(required=True)
    keys = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                       metadata={"description": "key id -> public key (PEM)"})


class RevokeSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
