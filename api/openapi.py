"""The OpenAPI 3 document, generated from the endpoints' declarations, and its browsable page.

``GET /api/openapi.json`` serves the document; ``GET /api/docs`` Swagger UI, whose
files come from the ``swagger-ui-bundle`` package (no CDN: the page works offline).
"""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, Response, current_app, jsonify, send_from_directory

from .endpoint import Spec
from .schemas.common import ProblemSchema

TITLE = "yiwang (一网) REST API"
API_VERSION = "1.0.0"
PROBLEM = "application/problem+json"
_CONVERTER = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")
_TYPES = {"int": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}, "string": {"type": "string"},
          None: {"type": "string"}}
ERROR_TEXT = {
    400: "the request is malformed", 401: "not logged in, or the credentials expired",
    403: "logged in but not allowed", 404: "no such object, or one the caller may not see",
    409: "conflicts with the current state (someone else was first)", 412: "If-Match does not match",
    413: "the body is too large", 415: "unsupported body type",
    422: "the content is refused; every problem is listed",
    429: "too many requests from this client (or failed logins for this account): send it again after "
         "Retry-After seconds", 500: "internal error",
    503: "busy (too many requests at once, or the database busy or unreachable): send it again after "
         "Retry-After seconds; or not configured for this (e.g. no e-licence signing key)",
}


def build(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title=TITLE, version=API_VERSION, openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Deploy service items, run cases and work tasks. Errors are "
                             "application/problem+json. Browser sessions send X-CSRF-Token on "
                             "state-changing calls; integrators use bearer tokens."},
    )
    spec.components.schema("Problem", schema=ProblemSchema)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "description": "API token (POST /api/v1/tokens)"})
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "yiwang_session",
                                                "description": "browser session (POST /api/v1/session)"})
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        declared: Spec | None = getattr(view, "endpoint_spec", None)
        if declared is None:
            continue
        path = _CONVERTER.sub(lambda m: "{" + m.group("name") + "}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule, declared, rule.endpoint)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(rule, declared: Spec, endpoint: str) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": declared.summary,
        "operationId": endpoint.replace(".", "_"),
        "tags": [endpoint.split(".")[0]],
        "parameters": _parameters(rule, declared),
        "responses": _responses(declared),
    }
    if declared.description:
        operation["description"] = declared.description
    if declared.permission:
        operation["description"] = (operation.get("description", "") + f"\n\nNeeds `{declared.permission}`.").strip()
    if declared.public:
        operation["security"] = []
    else:
        operation["security"] = [{"bearer": []}, {"session": []}]
    if declared.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": declared.body}}}
    elif declared.raw_body is not None:
        operation["requestBody"] = {"required": True, "content": declared.raw_body}
    return operation


def _parameters(rule, declared: Spec) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for match in _CONVERTER.finditer(rule.rule):
        schema = dict(_TYPES.get(match.group("conv"), _TYPES[None]))
        if schema["type"] == "string":
            schema.update({"minLength": 1, "maxLength": 255, "pattern": r"^[^/]+$"})
        params.append({"in": "path", "name": match.group("name"), "required": True, "schema": schema})
    if declared.query is not None:
        params.append({"in": "query", "schema": declared.query})
    for header in declared.headers:
        params.append({"in": "header", "name": header.name, "required": header.required,
                       "description": header.description, "schema": header.schema})
    return params


def _responses(declared: Spec) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status in (declared.status, *declared.statuses):
        if declared.response is None or status == 204:
            responses[str(status)] = {"description": "done"}
        elif declared.produces:
            responses[str(status)] = {"description": "the file",
                                      "content": {declared.produces: {"schema": {"type": "string"}}}}
        else:
            responses[str(status)] = {"description": "success",
                                      "content": {"application/json": {"schema": declared.response}}}
        if declared.response_headers:
            responses[str(status)]["headers"] = {
                name: {"description": text, "schema": {"type": "string"}}
                for name, text in declared.response_headers.items()}
    # Any call may meet a busy process or database: 503 with Retry-After (api/admission.py, api/problems.py).
    errors = {400, 422, 500, 503, *declared.errors}
    if not declared.public:
        errors |= {401, 403}
    else:  # anonymous calls are rate-limited per client (api/rate_limits.py)
        errors |= {429}
    if declared.body is not None or declared.raw_body is not None:
        errors |= {413, 415}
    for status in sorted(errors):
        responses[str(status)] = {"description": ERROR_TEXT.get(status, "problem"),
                                  "content": {PROBLEM: {"schema": "Problem"}}}
        if status in (429, 503):
            responses[str(status)]["headers"] = {"Retry-After": {
                "description": "seconds to wait before sending the request again", "schema": {"type": "integer"}}}
    return responses


def init_app(app: Flask) -> None:
    from swagger_ui_bundle import swagger_ui_path

    docs = Blueprint("docs", __name__)

    @docs.get("/api/openapi.json")
    def document():
        if "document" not in current_app.extensions:
            current_app.extensions["document"] = build(current_app)
        return jsonify(current_app.extensions["document"])

    @docs.get("/api/docs")
    def page():
        return Response(DOCS_PAGE, mimetype="text/html")

    @docs.get("/api/docs/yiwang-init.js")
    def init_script():
        return Response(INIT_SCRIPT, mimetype="text/javascript")

    @docs.get("/api/docs/<path:filename>")
    def assets(filename):
        return send_from_directory(swagger_ui_path, filename)

    app.register_blueprint(docs)


DOCS_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>yiwang API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/swagger-ui-standalone-preset.js"></script>
<script src="/api/docs/yiwang-init.js"></script>
</body></html>
"""

INIT_SCRIPT = """window.ui = SwaggerUIBundle({
  url: "/api/openapi.json", dom_id: "#ui", deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout",
  requestInterceptor: function (req) {
    var csrf = window.sessionStorage.getItem("yiwang-csrf");
    if (csrf) { req.headers["X-CSRF-Token"] = csrf; }
    return req;
  },
  responseInterceptor: function (res) {
    if (res.body && res.body.csrf_token) { window.sessionStorage.setItem("yiwang-csrf", res.body.csrf_token); }
    return res;
  }
});
"""
