"""Schemas for logging in, the caller's own account, tokens, and account administration."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..permissions import REGION_LEVELS, ROLES, SCOPES
from .common import PageQuerySchema, Timestamp

NAME = validate.Regexp(r"^[A-Za-z0-9_.@-]{1,150}$", error="letters, digits and _ . @ - only")
GROUP_NAME = validate.Regexp(r"^[\w.@-]{1,255}$", error="letters, digits and _ . @ - only")


def _second_factor_code() -> fields.String:
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64), load_only=True,
                         metadata={"description": "administrators: the 6-digit code of their authenticator app, "
                                                  "or one of their recovery codes"})


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=150))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1000), load_only=True)
    code = _second_factor_code()


class MeSchema(Schema):
    username = fields.String(required=True)
    display_name = fields.String(allow_none=True)
    roles = fields.List(fields.String(), required=True)
    groups = fields.List(fields.String(), required=True)
    permissions = fields.List(fields.String(), required=True)
    via = fields.String(required=True, metadata={"description": "session or token"})
    csrf_token = fields.String(allow_none=True, metadata={
        "description": "send it as X-CSRF-Token with every state-changing browser request"})
    idle_timeout_minutes = fields.Integer()
    second_factor = fields.String(metadata={
        "description": "enrol: this session may only set up the second factor (administrators without one); "
                       "enrolled; pending (set-up started, not confirmed); none"})
    recovery_codes_left = fields.Integer(allow_none=True)


class EnrolmentSchema(Schema):
    secret = fields.String(required=True, metadata={"description": "the TOTP secret (base32), shown once"})
    otpauth_uri = fields.String(required=True, metadata={"description": "the secret as an otpauth:// URI"})
    qr_svg = fields.String(required=True, metadata={"description": "the URI as a QR code: an SVG data: URI"})


class CodeSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64), load_only=True,
                         metadata={"description": "the 6-digit code the authenticator app shows now"})


class EnrolledSchema(MeSchema):
    recovery_codes = fields.List(fields.String(), required=True, metadata={
        "description": "ten one-time codes that stand in for the app once each; shown once, store them safely"})


class PasswordChangeSchema(Schema):
    old_password = fields.String(required=True, validate=validate.Length(max=1000), load_only=True)
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=1000), load_only=True)


class PasswordRenewSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=150))
    old_password = fields.String(required=True, validate=validate.Length(min=1, max=1000), load_only=True,
                                 metadata={"description": "the password the security administrator set"})
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=1000), load_only=True)
    code = _second_factor_code()


class PasswordResetSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=1000), load_only=True)


class TokenRequestSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    scopes = fields.List(fields.String(validate=validate.OneOf(sorted(SCOPES))), required=True,
                         validate=validate.Length(min=1, max=len(SCOPES)))
    expires_at = Timestamp(load_default=None, allow_none=True)


class TokenSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True)
    scopes = fields.List(fields.String(), required=True)
    user_id = fields.Integer(required=True)
    created_at = Timestamp(required=True)
    expires_at = Timestamp(allow_none=True)
    last_used_at = Timestamp(allow_none=True)
    revoked_at = Timestamp(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(required=True, metadata={"description": "shown once; store it safely"})


class UserSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(allow_none=True)
    active = fields.Boolean(required=True)
    roles = fields.List(fields.String(), required=True)
    groups = fields.List(fields.String(), required=True)
    locked = fields.Boolean(required=True)
    locked_sources = fields.List(fields.String(), metadata={
        "description": "client addresses locked out of this account by their failed logins (the unlock clears them)"})
    failed_logins = fields.Integer(required=True)
    second_factor = fields.String(metadata={"description": "enrolled | pending | none (administrators without "
                                                           "one set it up at their next sign-in)"})
    last_login_at = Timestamp(allow_none=True)
    created_at = Timestamp(required=True)


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=NAME)
    display_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    password = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000),
                             load_only=True, metadata={"description": "omit for single-sign-on-only accounts"})
    roles = fields.List(fields.String(validate=validate.OneOf(sorted(ROLES))), load_default=list)
    groups = fields.List(fields.String(validate=GROUP_NAME), load_default=list)


class UserUpdateSchema(Schema):
    display_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    active = fields.Boolean(load_default=None, allow_none=True)


class RolesSchema(Schema):
    roles = fields.List(fields.String(validate=validate.OneOf(sorted(ROLES))), required=True)


class GroupsSchema(Schema):
    groups = fields.List(fields.String(validate=GROUP_NAME), required=True)


class UserQuerySchema(PageQuerySchema):
    group = fields.String(load_default=None, validate=GROUP_NAME)


class RoleSchema(Schema):
    name = fields.String(required=True)
    description = fields.String(required=True)
    permissions = fields.List(fields.String(), required=True)


class GroupSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=GROUP_NAME)
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    kind = fields.String(load_default="department", validate=validate.OneOf(["department", "window"]))
    region_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=32))


class RegionSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Za-z]{1,32}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    level = fields.String(required=True, validate=validate.OneOf(REGION_LEVELS),
                          metadata={"description": "province → city → county → township → village"})
    parent_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=32))


class ProcessGrantsSchema(Schema):
    """The processes whose cases an account (a connected system) may send messages to."""

    user_id = fields.Integer(dump_only=True)
    processes = fields.List(fields.String(validate=validate.Regexp(r"^[A-Za-z_][\w.\-]{0,254}$",
                                                                   error="a BPMN process id")),
                            required=True, validate=validate.Length(max=500))
