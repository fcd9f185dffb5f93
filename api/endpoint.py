"""The ``@endpoint`` decorator: one declaration drives a handler's checks and its documentation.

It authenticates and authorises the caller, loads the query string and JSON body
with their marshmallow schemas, opens the audit context of state-changing calls,
and dumps the handler's return value with the response schema. The same
declaration is what :mod:`api.openapi` turns into the OpenAPI document, so the
document cannot drift from what the handler does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Response, current_app, jsonify, request
from marshmallow import Schema, fields
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from . import auditing, auth
from .idempotency import Claim, fingerprint


@dataclass(frozen=True)
class Header:
    name: str
    description: str
    required: bool = False
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string", "minLength": 1, "maxLength": 255})


IDEMPOTENCY_KEY = Header(
    "Idempotency-Key", "a retry with the same key and body answers with the first request's result (200, "
                       "Idempotency-Replayed: true) instead of acting twice; the same key with another body "
                       "answers 422 idempotency-key-reused")
REPLAYED = {"Idempotency-Replayed": "true when the answer is an earlier request's result"}


@dataclass
class Spec:
    """What an endpoint accepts and answers; read back by :mod:`api.openapi`."""

    summary: str
    permission: str | None
    public: bool
    query: Schema | None
    body: Schema | None
    raw_body: dict[str, Any] | None
    response: Schema | None
    status: int
    statuses: tuple[int, ...]
    errors: tuple[int, ...]
    headers: tuple[Header, ...]
    response_headers: dict[str, str]
    produces: str | None
    audit: tuple[str, str | None] | None
    description: str | None
    # The setting naming this endpoint's own per-client rate limit (api/rate_limits.py), if any.
    rate_limit: str | None = None


@dataclass
class Reply:
    """A handler's answer when it needs a status or headers besides the body."""

    body: Any
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


def endpoint(
    summary: str,
    *,
    permission: str | None = None,
    public: bool = False,
    query: Schema | None = None,
    body: Schema | None = None,
    raw_body: dict[str, Any] | None = None,
    response: Schema | None = None,
    status: int = 200,
    statuses: tuple[int, ...] = (),
    errors: tuple[int, ...] = (),
    headers: tuple[Header, ...] = (),
    response_headers: dict[str, str] | None = None,
    produces: str | None = None,
    audit: tuple[str, str | None] | None = None,
    audit_id: str | None = None,
    description: str | None = None,
    rate_limit: str | None = None,
    enrolling: bool = False,
):
    """Declare an endpoint.

    Args:
        permission: needed by the caller (see :mod:`api.permissions`); None: any logged-in caller.
        public: no authentication at all (logging in, health).
        query, body: schemas loaded into the handler's ``query`` and ``body`` arguments.
        raw_body: OpenAPI ``content`` of a non-JSON body the handler reads itself.
        response: schema the handler's return value is dumped with (None: 204, no body).
        statuses: other success statuses the handler may answer with (through :class:`Reply`).
        errors: problem statuses the endpoint may answer with, besides the usual ones.
        audit: (action, object type) for state-changing calls; ``audit_id`` names the URL
            argument that identifies the object.
        rate_limit: the setting (e.g. ``LOGIN_RATE_LIMIT``) holding this endpoint's own limit per
            client, on top of the limit every anonymous call shares.
        enrolling: also open to an administrator's session that must set up its second factor
            first (which every other endpoint refuses, 403 second-factor-enrolment-required).
    """
    spec = Spec(summary, permission, public, query, body, raw_body, response, status, statuses, errors,
                headers, response_headers or {}, produces, audit, description, rate_limit)

    def decorate(func: Callable[..., Any]):
        @functools.wraps(func)
        def handle(**view_args):
            if audit is not None:
                auditing.begin(audit[0], audit[1], view_args.get(audit_id) if audit_id else None)
            if not public:
                auth.require(permission) if permission else auth.require_principal(enrolling=enrolling)
            kwargs = dict(view_args)
            if query is not None:
                kwargs["query"] = query.load(_query_args(query))
            if body is not None:
                kwargs["body"] = body.load(_json_body())
            result = func(**kwargs)
            if audit is not None:
                auditing.finish_ok()
            return _respond(spec, result)

        handle.endpoint_spec = spec
        return handle

    return decorate


def idempotency_claim(operation: str, body: Any) -> Claim | None:
    """The caller's Idempotency-Key for ``operation`` with this request's loaded body, if one was sent."""
    key = request.headers.get(IDEMPOTENCY_KEY.name, "").strip()
    if not key:
        return None
    return Claim(operation, auth.require_principal().username, key, fingerprint(body),
                 timedelta(hours=current_app.config["IDEMPOTENCY_HOURS"]))


def _query_args(schema: Schema) -> dict[str, Any]:
    args = {}
    for name in request.args:
        declared = schema.fields.get(name)
        values = request.args.getlist(name)
        args[name] = values if isinstance(declared, fields.List) else values[-1]
    return args


def _json_body() -> Any:
    if not request.content_length and not request.data:
        return {}
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    try:
        return request.get_json()
    except BadRequest:
        raise BadRequest("the body is not valid JSON") from None


def _respond(spec: Spec, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    reply = result if isinstance(result, Reply) else Reply(result)
    status = reply.status or spec.status
    if spec.response is None or status == 204:
        response = Response(status=204)
    else:
        response = jsonify(spec.response.dump(reply.body))
        response.status_code = status
    for name, value in reply.headers.items():
        response.headers[name] = value
    return response
