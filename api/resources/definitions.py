"""Process definitions: deploy (XML, multipart, or an item bundle zip), lint, versions, download."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response

from engine import instance_store
from engine.models import ProcessDefinition

from .. import bundles, catalogue
from ..auditing import context, created, work
from ..auth import env, reading, require_principal
from ..endpoint import Reply, endpoint
from ..errors import NotFound
from ..schemas.definitions import (
    DefinitionQuerySchema,
    DefinitionSchema,
    DeployQuerySchema,
    DeployResultSchema,
    LintReportSchema,
    XmlQuerySchema,
)
from ..uploads import UPLOAD_CONTENT, upload_from_request

bp = Blueprint("definitions", __name__)


def _definition_out(d) -> dict:
    return {"id": d.id, "process_id": d.process_id, "version": d.version, "name": d.name,
            "content_hash": d.content_hash, "deployed_at": d.deployed_at, "deployed_by": d.deployed_by,
            "note": d.note, "form_keys": d.form_keys or [], "files": sorted(d.sources or {}),
            "lint": [{"severity": "error", **issue} for issue in d.lint or []]}


@bp.get("/definitions")
@endpoint("List deployed process definitions (every version)", permission="definitions:read",
          query=DefinitionQuerySchema(), response=DefinitionSchema(many=True))
def list_definitions(query):
    with reading() as uow:
        return [_definition_out(d) for d in catalogue.definitions(uow.session, query["process_id"])]


@bp.post("/definitions")
@endpoint("Deploy BPMN: raw XML, several files (multipart), or a service item bundle zip",
          permission="definitions:deploy", query=DeployQuerySchema(), raw_body=UPLOAD_CONTENT,
          response=DeployResultSchema(), status=201, statuses=(200,), audit=("definition.deployed", "definition"),
          errors=(409,),
          description="Identical content returns the stored version (200); new content becomes the next version "
                      "(201). A zip is a service item bundle (item.json, BPMN/DMN, forms), published like "
                      "POST /items; with any error nothing is stored (422, every problem listed).")
def deploy(query):
    upload = upload_from_request(query["filename"])
    by = require_principal().username
    if isinstance(upload, dict):
        context().details = {"files": sorted(upload)}
        context().object_from = created(ProcessDefinition)
        result = bundles.deploy_files(work(), upload, deployed_by=by, note=query["note"])
        item_created = False
    else:
        context().details = {"files": sorted(upload.files), "forms": sorted(upload.forms), "item": True}
        context().object_from = created(ProcessDefinition)
        result = bundles.as_deploy_result(bundles.import_item(work(), upload, published_by=by, note=query["note"]))
        item_created = result["item"]["created"]
    new = item_created or any(p["created"] for p in result["processes"])
    return Reply(result, 201 if new else 200)


@bp.post("/definitions/lint")
@endpoint("Lint BPMN (same bodies as deploy) without storing anything", permission="definitions:read",
          query=DeployQuerySchema(), raw_body=UPLOAD_CONTENT, response=LintReportSchema())
def lint(query):
    upload = upload_from_request(query["filename"])
    if isinstance(upload, dict):
        issues = bundles.lint_files(env().unit_of_work(), upload)
    else:
        issues = bundles.check_item(env(), upload)
    return {"ok": not any(i["severity"] == "error" for i in issues), "issues": issues}


@bp.get("/definitions/<int:definition_id>")
@endpoint("One process definition version", permission="definitions:read", response=DefinitionSchema(),
          errors=(404,))
def get_definition(definition_id):
    with reading() as uow:
        return _definition_out(instance_store.get_definition(uow, definition_id))


@bp.get("/definitions/<int:definition_id>/xml")
@endpoint("Download the BPMN/DMN XML of a definition", permission="definitions:read", query=XmlQuerySchema(),
          response=DefinitionSchema(), produces="application/xml", errors=(404,))
def download(definition_id, query):
    with reading() as uow:
        sources = instance_store.get_definition(uow, definition_id).sources or {}
    name = query["file"] or next(iter(sorted(sources)), None)
    if name not in sources:
        raise NotFound("the definition has no file of this name", file=name)
    return Response(sources[name], mimetype="application/xml",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
