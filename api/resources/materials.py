"""Application materials (申请材料): upload a file for a form field, read a case's file back.

An upload is checked by its bytes (a program renamed ``.pdf`` is refused), its name
and its size, against the material field's own requirements when the form and field
are named, and answers with the reference the field takes. Reading a file back goes
through a case whose data refers to it (see :mod:`api.materials`).
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, request, send_file
from marshmallow import Schema

from .. import materials
from ..auditing import context, work
from ..auth import env, reading, require_principal
from ..endpoint import Reply, endpoint
from ..errors import Invalid
from ..schemas.materials import (
    UPLOAD_CONTENT,
    MaterialReferenceSchema,
    UploadQuerySchema,
)

bp = Blueprint("materials", __name__)
FILE = Schema()
# Shown in the browser (a preview on the task page); anything else is downloaded.
INLINE = ("image/png", "image/jpeg", "application/pdf")

@bp.post("/materials")
@endpoint("Upload one material file; answers with the reference its form field takes", permission="instances:start",
          query=UploadQuerySchema(), raw_body=UPLOAD_CONTENT, response=MaterialReferenceSchema(), status=201,
          audit=("material.uploaded", "material"),
          description="The type is decided from the file's bytes, never its name; programs, macro documents, "
                      "empty files, names that are paths, files over the limit and types the field does not "
                      "accept are refused (422, the field named at its JSON pointer). Uploading the same "
                      "content again is harmless.")
def upload(query):
    principal = require_principal()
    if request.mimetype != "multipart/form-data":
        raise Invalid("send the file as multipart/form-data", errors=[{"pointer": "/file", "message": "no file"}])
    if (query["form_key"] is None) != (query["field"] is None):
        raise Invalid("name both the form and the field, or neither",
                      errors=[{"pointer": "/field" if query["field"] is None else "/form_key",
                               "message": "required with " + ("form_key" if query["field"] is None else "field")}])
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        raise Invalid("no file uploaded", errors=[{"pointer": "/file", "message": "send one file as 'file'"}])
    spec = None
    if query["form_key"] is not None:
        with reading() as uow:
            spec = materials.field_spec(uow.session, query["form_key"], query["form_version"], query["field"])
    stored = materials.store_upload(materials.file_store(), upload_file.stream, upload_file.filename, spec=spec,
                                    field=query["field"] or "/file")
    ctx = context()
    ctx.object_id = stored.sha256
    ctx.details = {"format": stored.format, "size": stored.size, "form_key": query["form_key"],
                   "field": query["field"]}
    materials.record_upload(work(), stored.sha256, principal.username)
    return Reply(stored.reference(), 201)


@bp.get("/cases/<case_id>/materials/<sha256>")
@endpoint("A material file of a case (its applicant and the staff handling it)", permission="instances:read",
          response=FILE, produces="application/octet-stream", errors=(404,),
          description="404 unless the caller sees the case's data in full, the file belongs to the case (its "
                      "uploader cited it there) and the data refers to it.")
def download(case_id, sha256):
    context_case(case_id)
    reference = materials.readable_file(env().unit_of_work(), require_principal(), case_id, sha256)
    store = materials.file_store()
    inline = reference["media_type"] in INLINE
    response = send_file(store.path_of(sha256), mimetype=reference["media_type"], conditional=True,
                         max_age=0)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(reference['name'])}"
    response.headers["Cache-Control"] = "private, no-cache"
    # The task page previews images and PDFs in a frame of its own origin; nothing runs inside.
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; " \
                                                  "frame-ancestors 'self'"
    return response


def context_case(case_id: str) -> None:
    """A refused read is audited against the case it asked for."""
    if context() is not None:
        context().case_id = case_id
