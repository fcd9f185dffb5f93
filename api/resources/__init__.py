"""One blueprint per resource, all under ``/api/v1``; :func:`register` binds them."""

from __future__ import annotations

from flask import Flask

PREFIX = "/api/v1"


def register(app: Flask) -> None:
    from . import (
        admin,
        approvals,
        audit_trail,
        calendar,
        cases,
        definitions,
        drafts,
        forms,
        incidents,
        instances,
        items,
        licences,
        materials,
        session,
        supervision,
        tasks,
    )

    for module in (session, items, definitions, forms, instances, cases, drafts, materials, tasks, approvals, licences,
                   supervision, calendar, incidents, audit_trail, admin):
        app.register_blueprint(module.bp, url_prefix=PREFIX)
