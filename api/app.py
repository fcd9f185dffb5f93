"""The Flask application factory.

The REST resources, accounts and the web UI arrive with their issues; this factory
already binds the engine and turns every error into ``application/problem+json``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

from engine.config import EngineConfig
from engine.environment import EngineEnv

from . import problems


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(ENGINE=None, JSON_AS_ASCII=False)
    if test_config:
        app.config.update(test_config)
    engine_config = app.config["ENGINE"] or EngineConfig.from_env(jobs="thread")
    env = EngineEnv(engine_config)
    env.create_schema()
    app.extensions["yiwang"] = env
    problems.init_app(app)

    @app.get("/healthz")
    def health():
        return jsonify(status="ok")

    return app
