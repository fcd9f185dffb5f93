"""Turning an upload request into a :class:`~api.bundles.Bundle`: raw XML, multipart or zip."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from werkzeug.exceptions import UnsupportedMediaType

from .bundles import PROCESS_SUFFIXES, Bundle, from_zip
from .errors import Invalid

XML_TYPES = ("application/xml", "text/xml", "application/bpmn+xml")
ZIP_TYPES = ("application/zip", "application/x-zip-compressed")

# The OpenAPI ``content`` of an upload, for the endpoints that take one.
UPLOAD_CONTENT: dict[str, Any] = {
    "application/xml": {"schema": {"type": "string", "description": "one BPMN or DMN document"}},
    "application/zip": {"schema": {"type": "string", "format": "binary",
                                   "description": "a bundle: *.bpmn, *.dmn, forms/<key>.json, item.json"}},
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["files"],
        "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
}


def bundle_from_request(filename: str) -> Bundle:
    mimetype = request.mimetype
    if mimetype in XML_TYPES:
        return Bundle(files={filename: request.get_data()})
    if mimetype in ZIP_TYPES:
        return from_zip(request.get_data(), max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
    if mimetype == "multipart/form-data":
        return _multipart()
    raise UnsupportedMediaType("upload BPMN as application/xml, several files as multipart/form-data, "
                               "or a bundle as application/zip")


def _multipart() -> Bundle:
    uploads = [f for f in request.files.getlist("files") if f.filename]
    if not uploads:
        raise Invalid("no files uploaded", errors=[{"pointer": "/files", "message": "send one or more files"}])
    if len(uploads) == 1 and uploads[0].filename.lower().endswith(".zip"):
        return from_zip(uploads[0].read(), max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
    bundle = Bundle()
    for upload in uploads:
        name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
        if not name.lower().endswith(PROCESS_SUFFIXES):
            raise Invalid("only .bpmn, .dmn and .xml files, or one .zip bundle",
                          errors=[{"pointer": "/files", "message": f"{name}: not a process file"}])
        bundle.files[name] = upload.read()
    return bundle
