"""The service item catalogue: search, versions, the public guide and notice; publish and export bundles.

Reading the catalogue needs no login (the public must find an item and its guide);
publishing and exporting bundles are the designers'.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response
from marshmallow import Schema

from processes import bundles as item_bundles
from processes import catalogue as item_catalogue
from processes import guide

from .. import bundles, catalogue
from ..auditing import context, work
from ..auth import env, reading, require_principal
from ..endpoint import Reply, endpoint
from ..schemas.items import (
    ItemCheckSchema,
    ItemImportQuerySchema,
    ItemImportSchema,
    ItemPageSchema,
    ItemSchema,
    ItemSearchSchema,
    ItemVersionSchema,
    VersionQuerySchema,
)
from ..uploads import ZIP_CONTENT, bundle_from_request

bp = Blueprint("items", __name__)
FILE = Schema()  # marks an endpoint that answers with a file, not JSON


@bp.get("/items")
@endpoint("Find service items: by words, type, department, region or level (latest versions)", public=True,
          query=ItemSearchSchema(), response=ItemPageSchema())
def search(query):
    with reading() as uow:
        rows, total = catalogue.search_items(uow.session, **query)
        return {"items": [catalogue.item_summary(r) for r in rows], "total": total, "limit": query["limit"],
                "offset": query["offset"]}


@bp.get("/items/<code>")
@endpoint("A service item as published (the latest version, or ?version=)", public=True,
          query=VersionQuerySchema(), response=ItemSchema(), errors=(404,))
def get_item(code, query):
    with reading() as uow:
        return catalogue.item_detail(item_catalogue.get_version(uow.session, code, query["version"]))


@bp.get("/items/<code>/versions")
@endpoint("Every published version of an item, oldest first", public=True, response=ItemVersionSchema(many=True),
          errors=(404,))
def versions(code):
    with reading() as uow:
        rows = item_catalogue.list_versions(uow.session, code)
        if not rows:
            item_catalogue.get_version(uow.session, code)  # raises ItemNotFound (404)
        return [{"code": r.code, "version": r.version, "name": r.name, "content_hash": r.content_hash,
                 "published_at": r.published_at, "note": r.note} for r in rows]


@bp.get("/items/<code>/guide")
@endpoint("The service guide (办事指南), printable HTML generated from the published version", public=True,
          query=VersionQuerySchema(), response=FILE, produces="text/html", errors=(404,))
def service_guide(code, query):
    with reading() as uow:
        return Response(guide.guide_for(uow.session, code, query["version"]), mimetype="text/html")


@bp.get("/items/<code>/notice")
@endpoint("The one-time notice (一次性告知书): the blank checklist of every material, printable HTML",
          public=True, query=VersionQuerySchema(), response=FILE, produces="text/html", errors=(404,))
def one_time_notice(code, query):
    with reading() as uow:
        return Response(guide.notice_for(uow.session, code, query["version"]), mimetype="text/html")


@bp.get("/items/<code>/export")
@endpoint("Export a published version as a bundle zip (importing it gives the same version back)",
          permission="definitions:read", query=VersionQuerySchema(), response=FILE, produces="application/zip",
          errors=(404,))
def export(code, query):
    data = item_bundles.export_bundle(env().unit_of_work(), code, query["version"])
    name = f"{code}-v{query['version']}.zip" if query["version"] else f"{code}.zip"
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@bp.post("/items")
@endpoint("Publish a service item bundle zip: forms, process and item version in one transaction",
          permission="definitions:deploy", query=ItemImportQuerySchema(), raw_body=ZIP_CONTENT,
          response=ItemImportSchema(), status=201, statuses=(200,), errors=(409,),
          response_headers={"Location": "the published version"}, audit=("item.published", "item"),
          description="Identical content returns the stored version (200); changed content becomes the next "
                      "version (201). A bundle with any error stores nothing (422, every problem listed with "
                      "its file and JSON pointer or BPMN element and line).")
def publish(query):
    bundle = bundle_from_request()
    ctx = context()
    ctx.details = {"files": sorted(bundle.files), "forms": sorted(bundle.forms)}
    ctx.object_from = _published_version
    result = bundles.import_item(work(), bundle, published_by=require_principal().username, note=query["note"])
    return Reply(result, 201 if result["created"] else 200,
                 {"Location": f"/api/v1/items/{quote(result['code'])}?version={result['version']}"})


def _published_version(uow) -> str | None:
    """The version the import recorded or found (for its audit record, written before the commit)."""
    rows = [o for o in list(uow.session.identity_map.values()) if isinstance(o, item_catalogue.ItemVersion)]
    row = max(rows, key=lambda r: r.version, default=None)  # a new version is the newest one loaded
    return f"{row.code}@{row.version}" if row else None


@bp.post("/items/check")
@endpoint("Check a service item bundle zip without storing anything", permission="definitions:deploy",
          raw_body=ZIP_CONTENT, response=ItemCheckSchema())
def check():
    problems = bundles.check_item(env(), bundle_from_request())
    return {"ok": not any(p["severity"] == "error" for p in problems), "problems": problems}
