"""Uploads of process definitions: single files, several files, or a bundle zip.

A bundle zip holds the BPMN/DMN files of a service item, its forms
(``forms/<form key>.json``: ``{"schema": ..., "ui_schema": ...}`` or a bare
schema) and optionally its catalogue metadata (``item.json``: ``{"code": ...,
"name": ..., ...}``). Everything in it is stored in one transaction, or nothing is.
"""

from __future__ import annotations

import io
import json
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from engine import deploy as engine_deploy
from forms import store as form_store
from forms.schema_check import check_schema
from forms.errors import FormSchemaError

from .errors import Invalid
from .models import ServiceItem

MAX_ENTRIES = 200
PROCESS_SUFFIXES = (".bpmn", ".dmn", ".xml")
_FORM_KEY = re.compile(r"[A-Za-z_][\w.-]{0,199}")


@dataclass
class Bundle:
    files: dict[str, bytes] = field(default_factory=dict)
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)
    item: dict[str, Any] | None = None


def from_zip(data: bytes, *, max_bytes: int) -> Bundle:
    """Read a bundle zip without trusting it: bounded size and entry count, no paths kept."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [e for e in archive.infolist() if not e.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise Invalid(f"not a readable zip file: {err}") from None
    if len(entries) > MAX_ENTRIES:
        raise Invalid(f"a bundle holds at most {MAX_ENTRIES} files")
    if sum(e.file_size for e in entries) > max_bytes:
        raise Invalid("the bundle is too large once unpacked")
    bundle, problems = Bundle(), []
    for entry in entries:
        name = entry.filename.replace("\\", "/")
        base = posixpath.basename(name)
        try:
            content = archive.read(entry)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as err:
            problems.append({"pointer": f"/{name}", "message": f"cannot be read: {err}"})
            continue
        if base.startswith(".") or name.startswith("__MACOSX/"):
            continue
        if base == "item.json":
            bundle.item = _json(content, name, problems)
        elif name.startswith("forms/") and base.endswith(".json"):
            _add_form(bundle, base[:-5], _json(content, name, problems), name, problems)
        elif base.lower().endswith(PROCESS_SUFFIXES):
            if base in bundle.files:
                problems.append({"pointer": f"/{name}", "message": "two files with this name"})
            bundle.files[base] = content
        else:
            problems.append({"pointer": f"/{name}", "message": "not a .bpmn, .dmn, forms/*.json or item.json file"})
    if bundle.item is not None and not (isinstance(bundle.item, dict) and isinstance(bundle.item.get("code"), str)):
        problems.append({"pointer": "/item.json", "message": "must be an object with a string 'code'"})
    if not bundle.files:
        problems.append({"pointer": "", "message": "the bundle holds no .bpmn file"})
    if problems:
        raise Invalid("the bundle cannot be used", errors=problems)
    return bundle


def _json(content: bytes, name: str, problems: list) -> Any:
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        problems.append({"pointer": f"/{name}", "message": f"not JSON: {err}"})
        return None


def _add_form(bundle: Bundle, key: str, document: Any, name: str, problems: list) -> None:
    if not _FORM_KEY.fullmatch(key):
        problems.append({"pointer": f"/{name}", "message": "the file name is not a form key"})
    elif isinstance(document, dict) and "schema" in document:
        bundle.forms[key] = {"schema": document["schema"], "ui_schema": document.get("ui_schema")}
    elif isinstance(document, dict):
        bundle.forms[key] = {"schema": document, "ui_schema": None}
    elif document is not None:
        problems.append({"pointer": f"/{name}", "message": "a form must be a JSON object"})


class _KnownForms:
    """The installation's form keys plus those the bundle itself brings."""

    def __init__(self, forms, extra: set[str]) -> None:
        self._forms, self._extra = forms, extra

    def known_keys(self, session) -> set[str]:
        return self._forms.known_keys(session) | self._extra

    def __getattr__(self, name):
        return getattr(self._forms, name)


class _BundleEnv:
    """The engine environment as a bundle's deployment sees it: its own forms count as known."""

    def __init__(self, env, form_keys: set[str]) -> None:
        self._env = env
        self.forms = _KnownForms(env.forms, form_keys) if env.forms is not None else None

    def __getattr__(self, name):
        return getattr(self._env, name)


def _with_bundle_forms(uow, bundle: Bundle):
    if bundle.forms:
        uow.env = _BundleEnv(uow.env, set(bundle.forms))
    return uow


def lint(uow, bundle: Bundle) -> list[dict[str, Any]]:
    """Every problem of the bundle: BPMN lint issues and form authoring problems."""
    uow = _with_bundle_forms(uow, bundle)
    with uow:
        _, issues = engine_deploy.check_bundle(uow, bundle.files)
    report = [i.to_dict() | {"severity": i.severity} for i in issues]
    for key, form in sorted(bundle.forms.items()):
        try:
            check_schema(form["schema"], form["ui_schema"], form_key=key)
        except FormSchemaError as err:
            report += [{"code": "form-schema-invalid", "severity": "error", "file": f"forms/{key}.json",
                        "message": f"{p.document}{p.pointer or '/'}: {p.message}"} for p in err.problems]
    return report


def deploy(uow, bundle: Bundle, *, deployed_by: str | None, note: str | None = None) -> dict[str, Any]:
    """Deploy processes, publish forms and record the item in the same transaction."""
    published: list[dict[str, Any]] = []
    item_ref: dict[str, Any] = {}

    def forms_and_item(unit) -> None:
        for key, form in sorted(bundle.forms.items()):
            version, _ = form_store.publish_form(unit.session, key, form["schema"], form["ui_schema"], note=note)
            published.append({"form_key": key, "version": version.version})
        if bundle.item is not None:
            item_ref.update(_record_item(unit.session, bundle, deployed_by))

    uow.before_commit(forms_and_item)
    uow = _with_bundle_forms(uow, bundle)
    result = engine_deploy.deploy(uow, bundle.files, deployed_by=deployed_by, note=note)
    return {"processes": [p.__dict__ for p in result.processes],
            "warnings": [w.to_dict() | {"severity": w.severity} for w in result.warnings],
            "forms": published, "item": item_ref or None}


def _record_item(session, bundle: Bundle, deployed_by: str | None) -> dict[str, Any]:
    item = bundle.item
    latest = session.scalars(select(ServiceItem).where(ServiceItem.code == item["code"])
                             .order_by(ServiceItem.version.desc()).limit(1)).first()
    processes = sorted(bundle.files)
    if latest is not None and latest.details == item and latest.form_keys == sorted(bundle.forms):
        return {"code": latest.code, "version": latest.version, "name": latest.name}
    row = ServiceItem(code=item["code"], version=(latest.version + 1) if latest else 1,
                      name=item.get("name") if isinstance(item.get("name"), str) else None, details=item,
                      process_ids=processes, form_keys=sorted(bundle.forms), deployed_by=deployed_by)
    session.add(row)
    session.flush()
    return {"code": row.code, "version": row.version, "name": row.name}
