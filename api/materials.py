"""Application materials (申请材料): storing an upload, and deciding who may read a stored file back.

Files live in a content-addressed :class:`forms.file_store.FileStore`; an upload
answers with the material reference a form field holds, and records who uploaded it.
A stored file is handed out only as part of a case: the caller must see that case's
data in full (its applicant, or staff handling it), the case's data must refer to the
file, and the file must belong to the case (cited there by its uploader, see
:mod:`forms.material_ownership`), so knowing a digest alone opens nothing.
"""

from __future__ import annotations

import os
from typing import Any, BinaryIO

from flask import current_app

from engine import queries
from forms import pointer as jp
from forms import store as form_store
from forms import material_ownership, walk
from forms.errors import FormNotFound, MaterialRejected
from forms.file_store import FileStore, StoredFile
from forms.materials import KEYWORD, MaterialSpec

from . import access
from .accounts import Principal
from .disclosure import sees_identifiers
from .errors import Hidden, Invalid, MaterialRefused

STORE = "yiwang_material_store"


def file_store() -> FileStore:
    """The app's material store, built on first use from ``MATERIALS_DIR``."""
    extensions = current_app.extensions
    if STORE not in extensions:
        root = current_app.config.get("MATERIALS_DIR") or os.path.join(current_app.instance_path, "materials")
        extensions[STORE] = FileStore(root)
    return extensions[STORE]


def field_spec(session, form_key: str, version: int | None, pointer: str) -> MaterialSpec:
    """The ``x-material`` requirements of the field at ``pointer`` (array indexes allowed) of a form.

    Raises:
        Invalid: no such published form, or the pointer names no material field.
    """
    try:
        form = form_store.get_form(session, form_key, version)
    except FormNotFound:
        raise Invalid("no such form", errors=[{"pointer": "/form_key", "message": f"form {form_key!r} "
                                                                                   "is not published"}]) from None
    tokens = jp.split(pointer) if pointer.startswith("/") else None
    for path, sub in walk.iter_fields(form.schema):
        target = walk.field_schema(sub, form.schema)
        if isinstance(target, dict) and isinstance(target.get(KEYWORD), dict) and tokens is not None \
                and _names(path, tokens):
            return MaterialSpec.from_keyword(target[KEYWORD])
    raise Invalid("the field is not a material of this form",
                  errors=[{"pointer": "/field", "message": f"{pointer!r} is not a material field of {form_key!r}"}])


def _names(path: tuple[str, ...], tokens: list[str]) -> bool:
    """Whether a concrete pointer's tokens name the field ``path`` (``*`` = an array index).

    A trailing index is allowed too: one file of a material that takes several.
    """
    if len(tokens) == len(path) + 1 and tokens[-1].isdigit():
        tokens = tokens[:-1]
    if len(tokens) != len(path):
        return False
    return all(p == t or (p == "*" and t.isdigit()) for p, t in zip(path, tokens, strict=True))


def store_upload(store: FileStore, content: BinaryIO, filename: str, *, spec: MaterialSpec | None,
                 field: str) -> StoredFile:
    """Check and store one uploaded file; ``field`` names where a refusal is reported.

    Raises:
        MaterialRefused: the file was refused (empty, too large, a program, a type not accepted, a bad name).
    """
    try:
        return store.put(content, filename, formats=spec.formats if spec else None,
                         max_bytes=spec.max_bytes if spec else None)
    except MaterialRejected as refused:
        message = _explain(refused.message, refused.context)
        raise MaterialRefused(refused.message, errors=[{"pointer": field, "message": message}],
                              **refused.context) from None


def record_upload(uow, sha256: str, uploader: str) -> None:
    """The stored file is ``uploader``'s: they, and no one else, may cite it in a case."""
    with uow:
        material_ownership.record_upload(uow.session, sha256, uploader)
        uow.commit()


def _explain(message: str, context: dict[str, Any]) -> str:
    extra = [f"{k}: {context[k]}" for k in ("detected", "expected", "accepted", "limit") if context.get(k) is not None]
    return f"{message} ({'; '.join(extra)})" if extra else message


def readable_file(uow, principal: Principal, case_id: str, sha256: str) -> dict[str, Any]:
    """The reference, in ``case_id``'s data, of the stored file ``sha256`` the caller may read.

    Raises:
        Hidden: the case does not exist or the caller may not see its data in full, the file
            does not belong to the case or its data does not refer to it, or the store does
            not hold it (all answered as 404).
    """
    with uow:
        access.require_instance(uow.session, principal, case_id)
        copy_only = access.sees_only_as_copy(uow.session, principal, case_id)
        view = queries.get_instance(uow, case_id, with_data=True)
        applicants = access.case_applicants(uow.session, case_id)
        belongs = material_ownership.belongs_to_case(uow.session, case_id, sha256)
    seen = {"applicants": applicants, "started_by": view["started_by"]}
    if copy_only or not belongs or not sees_identifiers(principal, seen):
        raise Hidden("no such material in this case", case_id=case_id, sha256=sha256)
    reference = next((r for r in _references(view.get("data")) if r.get("sha256") == sha256), None)
    if reference is None or not file_store().verify(reference):
        raise Hidden("no such material in this case", case_id=case_id, sha256=sha256)
    return reference


def _references(node: Any):
    """Every uploaded-file reference anywhere in a case's data."""
    if isinstance(node, dict):
        if node.get("source") == "upload" and isinstance(node.get("sha256"), str):
            yield node
            return
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)
