"""Forms: publish versions, check a schema, list, read versions."""

from __future__ import annotations

from flask import Blueprint

from forms import store
from forms.errors import FormSchemaError
from forms.schema_check import check_schema

from .. import catalogue, form_publishing
from ..auditing import context, work
from ..auth import reading
from ..endpoint import Reply, endpoint
from ..schemas.forms import (
    FORM_KEY,
    FormCheckReportSchema,
    FormCheckSchema,
    FormPublishSchema,
    FormVersionSchema,
    FormVersionSummarySchema,
    PublishResultSchema,
)

bp = Blueprint("forms", __name__)


def _summary(v) -> dict:
    return {"form_key": v.form_key, "version": v.version, "content_hash": v.content_hash, "note": v.note,
            "created_at": v.created_at}


def _key(form_key: str) -> str:
    FORM_KEY(form_key)  # raises ValidationError (422) for a malformed key
    return form_key


@bp.get("/forms")
@endpoint("The latest version of every form", permission="definitions:read",
          response=FormVersionSummarySchema(many=True))
def list_forms():
    with reading() as uow:
        return [_summary(v) for v in catalogue.latest_forms(uow.session)]


@bp.post("/forms/<form_key>")
@endpoint("Publish a form version (identical content returns the stored version)",
          permission="definitions:deploy", body=FormPublishSchema(), response=PublishResultSchema(),
          status=201, statuses=(200,), audit=("form.published", "form"), audit_id="form_key")
def publish(form_key, body):
    result = form_publishing.publish(work(), _key(form_key), body["schema"], body["ui_schema"], body["note"])
    context().details = {"version": result["version"]}
    return Reply(result, 201 if result["created"] else 200)


@bp.post("/forms/<form_key>/check")
@endpoint("Check a form schema without publishing it (every authoring problem at once)",
          permission="definitions:read", body=FormCheckSchema(), response=FormCheckReportSchema())
def check(form_key, body):
    try:
        check_schema(body["schema"], body["ui_schema"], form_key=_key(form_key))
    except FormSchemaError as err:
        return {"ok": False, "problems": [p.to_dict() for p in err.problems]}
    return {"ok": True, "problems": []}


@bp.get("/forms/<form_key>")
@endpoint("The latest version of a form", permission="definitions:read", response=FormVersionSchema(),
          errors=(404,))
def latest(form_key):
    with reading() as uow:
        return store.get_form(uow.session, _key(form_key))


@bp.get("/forms/<form_key>/versions")
@endpoint("Every version of a form, oldest first", permission="definitions:read",
          response=FormVersionSummarySchema(many=True))
def versions(form_key):
    with reading() as uow:
        return [_summary(v) for v in store.list_versions(uow.session, _key(form_key))]


@bp.get("/forms/<form_key>/versions/<int:version>")
@endpoint("One version of a form", permission="definitions:read", response=FormVersionSchema(), errors=(404,))
def one_version(form_key, version):
    with reading() as uow:
        return store.get_form(uow.session, _key(form_key), version)
