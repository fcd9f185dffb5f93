"""Reading an upload request: raw XML or several files (multipart) for the engine, or an item bundle zip.

BPMN/DMN files alone are deployed by the engine. A zip is a service item bundle
(``item.json``, ``*.bpmn``/``*.dmn``, ``forms/<key>.json``) read by
:func:`processes.bundles.load_bundle`, which treats it as untrusted (size, entry
count, ratio, names: every problem named).
"""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.exceptions import UnsupportedMediaType

from processes import bundles as item_bundles
from processes.bundle_files import Bundle

from .errors import Invalid

XML_TYPES = ("application/xml", "text/xml", "application/bpmn+xml")
ZIP_TYPES = ("application/zip", "application/x-zip-compressed")
PROCESS_SUFFIXES = (".bpmn", ".dmn", ".xml")

ZIP_CONTENT: dict[str, Any] = {
    "application/zip": {"schema": {"type": "string", "format": "binary",
                                   "description": "a service item bundle: item.json, *.bpmn, *.dmn, "
                                                  "forms/<key>.json (see docs/service-items.md)"}},
}

# The OpenAPI ``content`` of an upload, for the endpoints that take one.
UPLOAD_CONTENT: dict[str, Any] = {
    "application/xml": {"schema": {"type": "string", "description": "one BPMN or DMN document"}},
    **ZIP_CONTENT,
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["files"],
        "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"},
                                 "description": "BPMN/DMN files, or one item bundle .zip"}}}},
}


def upload_from_request(filename: str) -> dict[str, bytes] | Bundle:
    """BPMN/DMN files by name, or an item bundle."""
    mimetype = request.mimetype
    if mimetype in XML_TYPES:
        return {filename: request.get_data()}
    if mimetype in ZIP_TYPES:
        return item_bundles.load_bundle(request.get_data())
    if mimetype == "multipart/form-data":
        return _multipart()
    raise UnsupportedMediaType("upload BPMN as application/xml, several files as multipart/form-data, "
                               "or a service item bundle as application/zip")


def bundle_from_request() -> Bundle:
    """An item bundle zip sent as the body."""
    if request.mimetype not in ZIP_TYPES:
        raise UnsupportedMediaType("upload a service item bundle as application/zip")
    return item_bundles.load_bundle(request.get_data())


def _multipart() -> dict[str, bytes] | Bundle:
    uploads = [f for f in request.files.getlist("files") if f.filename]
    if not uploads:
        raise Invalid("no files uploaded", errors=[{"pointer": "/files", "message": "send one or more files"}])
    if len(uploads) == 1 and uploads[0].filename.lower().endswith(".zip"):
        return item_bundles.load_bundle(uploads[0].read())
    files: dict[str, bytes] = {}
    for upload in uploads:
        name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
        if not name.lower().endswith(PROCESS_SUFFIXES):
            raise Invalid("only .bpmn, .dmn and .xml files, or one .zip bundle",
                          errors=[{"pointer": "/files", "message": f"{name}: not a process file"}])
        files[name] = upload.read()
    return files
