"""The one place where errors become ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from engine import errors as engine_errors

log = logging.getLogger(__name__)

STATUS = [
    (engine_errors.NotFound, 404),
    (engine_errors.NotAllowed, 403),
    (engine_errors.Conflict, 409),
    (engine_errors.InvalidState, 409),
    (engine_errors.DeployRejected, 422),
    (engine_errors.InvalidData, 422),
    (engine_errors.XmlRejected, 400),
    (engine_errors.EngineError, 400),
]


def problem(status: int, title: str, code: str, **extra):
    body = {"type": f"urn:yiwang:problem:{code}", "title": title, "status": status, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(engine_errors.EngineError)
    def engine_error(err: engine_errors.EngineError):
        status = next(code for cls, code in STATUS if isinstance(err, cls))
        details = err.to_dict()
        details.pop("message", None)
        details.pop("code", None)
        return problem(status, err.message, err.code, **details)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        return problem(err.code or 500, err.description or err.name, err.name.lower().replace(" ", "-"))

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        log.exception("unhandled error")
        return problem(500, "internal error; it has been logged", "internal-error")
