"""The one place where errors become ``application/problem+json`` (RFC 9457).

Every error, of any package, is answered as a problem document: never an HTML
page, never a traceback. Failed and refused calls are also handed to the audit
trail here (see :mod:`api.auditing`), so no handler has to remember to.

Database trouble that a retry a moment later may not meet (no pooled connection
free, a lost or refused connection, a transaction the database aborted, SQLite
busy) is answered 503 with Retry-After, never 500, and never with the driver's
text, which may quote the statement and its values.
"""

from __future__ import annotations

import logging
import sqlite3
import traceback
from typing import Any

from flask import Flask, current_app, jsonify, request
from marshmallow import ValidationError
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from engine import errors as engine_errors
from engine import sealing
from forms import errors as form_errors
from processes import case_errors, item_errors

from . import errors as api_errors
from .masking import mask_for_log

log = logging.getLogger(__name__)

# First match wins: subclasses before their bases.
STATUS: list[tuple[type[Exception], int]] = [
    (api_errors.LoginFailed, 401),
    (api_errors.LoginThrottled, 429),
    (api_errors.Unauthenticated, 401),
    (api_errors.CsrfFailed, 403),
    (api_errors.PasswordChangeRequired, 403),
    (api_errors.Forbidden, 403),
    (api_errors.Hidden, 404),
    (api_errors.NotFound, 404),
    (api_errors.IdempotencyConflict, 422),
    (api_errors.Conflict, 409),
    (api_errors.Invalid, 422),
    (api_errors.PreconditionFailed, 412),
    (api_errors.ApiError, 400),
    (engine_errors.NotFound, 404),
    (engine_errors.NotAllowed, 403),
    (engine_errors.Conflict, 409),
    (engine_errors.InvalidState, 409),
    (engine_errors.DeployRejected, 422),
    (engine_errors.InvalidData, 422),
    (engine_errors.XmlRejected, 400),
    # Stored data that does not open (a changed ciphertext, a missing or wrong key): the operator's to fix.
    (sealing.SealedDataError, 500),
    (sealing.DataKeyError, 500),
    (engine_errors.EngineError, 422),
    (form_errors.FormNotFound, 404),
    (form_errors.FormVersionConflict, 409),
    (form_errors.FormVersionImmutable, 409),
    (form_errors.FormSchemaError, 422),
    (form_errors.FormDataError, 422),
    (form_errors.MaterialRejected, 422),
    (form_errors.FormError, 422),
    (case_errors.CaseNotFound, 404),
    (case_errors.CaseNotAllowed, 403),
    (case_errors.CaseStateError, 409),
    (case_errors.LicenceKeyMissing, 503),
    (case_errors.CaseInvalid, 422),
    (case_errors.CaseError, 422),
    (item_errors.ItemNotFound, 404),
    (item_errors.ItemVersionConflict, 409),
    (item_errors.ItemVersionImmutable, 409),
    (item_errors.ItemInvalid, 422),
    (item_errors.BundleRejected, 422),
    (item_errors.ItemError, 422),
]

# Refusals the audit trail records as "denied" (a 404 only when it hides an existing object).
REFUSED = (api_errors.Unauthenticated, api_errors.CsrfFailed, api_errors.Forbidden, api_errors.Hidden,
           engine_errors.NotAllowed, case_errors.CaseNotAllowed)

PROBLEM_TYPE = "urn:yiwang:problem:"
# Members of the problem document itself; context values of the same name are renamed.
RESERVED = frozenset({"type", "title", "status", "detail", "instance"})


def problem(status: int, title: str, code: str, headers: dict[str, str] | None = None, **extra: Any):
    body = {"type": f"{PROBLEM_TYPE}{code}", "title": title, "status": status, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def status_of(err: Exception) -> int:
    return next(code for cls, code in STATUS if isinstance(err, cls))


def is_transient(err: Exception) -> bool:
    """Whether a database error is one a retry a moment later may not meet.

    PostgreSQL reports lost connections, administrator shutdowns, serialization
    failures, deadlocks and timeouts as OperationalError; SQLite uses it for
    programming errors too ("no such table"), so only its busy and locked errors count.
    """
    if isinstance(err, (sa_exc.TimeoutError, sa_exc.DisconnectionError)):
        return True  # no pooled connection became free in time; a connection was lost
    if not isinstance(err, sa_exc.DBAPIError):
        return False
    if err.connection_invalidated:
        return True
    if not isinstance(err, sa_exc.OperationalError):
        return False
    if isinstance(err.orig, sqlite3.Error):
        text = str(err.orig).lower()
        return "locked" in text or "busy" in text
    return True


def retry_later(title: str, code: str):
    """503 with Retry-After: send the request again after that many seconds (with its Idempotency-Key)."""
    seconds = current_app.config["RETRY_AFTER_SECONDS"]
    return problem(503, title, code, {"Retry-After": str(seconds)}, retry_after=seconds)


def _driver_error(err: Exception) -> str:
    """The error's kind for the log: class names and SQLSTATE, never its text (it may quote values)."""
    orig = getattr(err, "orig", None)
    if orig is None:
        return type(err).__name__
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return f"{type(err).__name__}/{type(orig).__name__}" + (f" SQLSTATE {state}" if state else "")


def _audit(status: int, err: Exception) -> None:
    from . import auditing  # needs a request context; imported when one exists

    try:
        auditing.record_failure(status, refused=isinstance(err, REFUSED) or status == 401)
    except Exception:  # noqa: BLE001 - the answer must still go out; the log keeps the failure
        log.exception("could not write the audit record of a failed call")


def init_app(app: Flask) -> None:
    handled = tuple(cls for cls, _ in STATUS)

    @app.errorhandler(ValidationError)
    def invalid_request(err: ValidationError):
        errors = list(_pointers(err.messages))
        _audit(422, err)
        return problem(422, "the request does not fit its schema", "invalid-request", errors=errors)

    @app.errorhandler(StaleDataError)
    def stale(err: StaleDataError):
        _audit(409, err)
        return problem(409, "someone else changed this first; reload and try again", "conflict")

    def known(err: Exception):
        status = status_of(err)
        if status >= 500:
            log.error("%s on %s %s", err, request.method, request.path)
        _audit(status, err)
        details = err.to_dict()
        details.pop("message", None)
        # The class names the problem; a context value called "code" (an item code ...) must not replace it.
        code = getattr(type(err), "code", None) or details.get("code") or "error"
        if details.get("code") not in (None, code):
            details["context_code"] = details["code"]
        details.pop("code", None)
        details = {f"context_{k}" if k in RESERVED else k: v for k, v in details.items()}
        headers = {"WWW-Authenticate": 'Bearer realm="yiwang"'} if status == 401 else {}
        if getattr(err, "retry_after", None):
            headers["Retry-After"] = str(err.retry_after)
        return problem(status, err.message, code, headers, **details)

    for cls in handled:
        app.register_error_handler(cls, known)

    def database(err: Exception):
        if not is_transient(err):
            return unexpected(err)
        # Not audited: the call changed nothing, and the record would wait for the same database.
        log.warning("database busy or unreachable (%s) on %s %s: answered 503", _driver_error(err),
                    request.method, request.path)
        return retry_later("the database is busy or unreachable; retry in a moment", "database-unavailable")

    for cls in (sa_exc.DBAPIError, sa_exc.TimeoutError, sa_exc.DisconnectionError):
        app.register_error_handler(cls, database)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        status = err.code or 500
        if status >= 400:
            # A method a resource does not offer (writing to the audit trail ...) is a refusal too.
            _audit(status, err if status != 405 else api_errors.Forbidden(err.description or "method not allowed"))
        headers = {k: v for k, v in err.get_headers() if k.lower() not in {"content-type", "content-length"}}
        return problem(status, err.description or err.name, err.name.lower().replace(" ", "-"), headers)

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        # The traceback is kept, but an exception's text may quote the data it was given.
        trace = "".join(traceback.format_exception(err))
        log.error("%s", mask_for_log(f"unhandled error on {request.method} {request.path}\n{trace}"))
        _audit(500, err)
        return problem(500, "internal error; it has been logged", "internal-error")


def _pointers(messages: Any, prefix: str = ""):
    """Flatten marshmallow's nested messages into (JSON pointer, message) pairs."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _pointers(value, f"{prefix}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield {"pointer": prefix, "message": message}
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            yield from _pointers(value, f"{prefix}/{index}")
    else:
        yield {"pointer": prefix, "message": str(messages)}
