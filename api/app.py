"""The Flask application factory.

``create_app()`` reads the settings (``api/config.py`` and ``engine/config.py``),
builds the engine environment, binds the admission limit, the resources under
``/api/v1``, the OpenAPI document and its page, and the one error handler. Nothing
happens at import time.

``test_config`` may hold any web setting plus ``ENGINE`` (an ``EngineConfig``) and
``DB_ENGINE`` (a SQLAlchemy engine to share, as tests do).
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, jsonify
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.config import EngineConfig

from . import (
    admission,
    audit_keys,
    config,
    data_keys,
    json_bodies,
    openapi,
    passwords,
    problems,
    rate_limits,
    resources,
    sealing,
    web,
)
from .wiring import build_env


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    test_config = dict(test_config or {})
    app = Flask(__name__)
    values = config.load(overrides=test_config)
    # In-process jobs unless the environment chooses (YIWANG_JOBS=rq under gunicorn).
    engine_config = test_config.get("ENGINE") or EngineConfig.from_env(
        **({} if os.environ.get("YIWANG_JOBS") else {"jobs": "thread"}))
    production = config.is_production(values, engine_config.database_url)
    app.config.update(
        values,
        SECRET_KEY=config.secret_key(values, production, app.instance_path),
        SESSION_COOKIE_SECURE=config.cookie_secure(values, production),
        MAX_CONTENT_LENGTH=values["MAX_UPLOAD_MB"] * 1024 * 1024,
        PRODUCTION=production,
        TESTING=bool(test_config.get("TESTING")),
    )
    passwords.configure_hashing(time_cost=values["PASSWORD_HASH_TIME_COST"],
                               memory_kib=values["PASSWORD_HASH_MEMORY_KIB"])
    json_bodies.init_app(app)
    if values["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=values["TRUSTED_PROXIES"], x_proto=values["TRUSTED_PROXIES"])

    # One material store for uploads and for checking what forms refer to (api/materials.py).
    app.config["MATERIALS_DIR"] = values["MATERIALS_DIR"] or os.path.join(app.instance_path, "materials")
    audit_keys.configure(values, app.instance_path)
    sealing.configure(values, app.instance_path)
    env = build_env(engine_config, db_engine=test_config.get("DB_ENGINE"), materials_dir=app.config["MATERIALS_DIR"],
                    keyring=data_keys.keyring(values, app.instance_path))
    app.extensions["yiwang"] = env

    admission.init_app(app)
    problems.init_app(app)
    resources.register(app)
    rate_limits.init_app(app, production=production, redis_url=engine_config.redis_url)
    openapi.init_app(app)
    web.init_app(app)
    app.after_request(_security_headers)

    @app.get("/healthz")
    def health():
        return jsonify(status="ok")

    return app


def _security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                       "frame-ancestors 'none'")
    if response.mimetype in ("application/json", "application/problem+json"):
        headers.setdefault("Cache-Control", "no-store")
    return response
