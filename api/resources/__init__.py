"""One blueprint per resource, all under ``/api/v1``; :func:`register` binds them."""

from __future__ import annotations

from flask import Flask

PREFIX = "/api/v1"


def register(app: Flask) -> None:
    from . import admin, audit_trail, definitions, forms, incidents, instances, session, tasks

    for module in (session, definitions, forms, instances, tasks, incidents, audit_trail, admin):
        app.register_blueprint(module.bp, url_prefix=PREFIX)
