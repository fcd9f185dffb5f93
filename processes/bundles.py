"""Use cases: import a service item bundle (publish it) and export a published version again.

Importing is all or nothing, in ONE database transaction: the forms are
published (first, so the deploy lint sees their keys), the BPMN deployed with
:func:`engine.deploy.deploy_in` and the item version recorded together, or
nothing is stored. Before any of that, every check of
:mod:`processes.publish_checks` runs without the database, so a bundle with
problems is refused with all of them at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import undefer

from engine import deploy as engine_deploy
from engine.errors import DeployRejected
from engine.models import ProcessDefinition
from forms.store import get_form, publish_form

from .bundle_files import DEFAULT_LIMITS, Bundle, Limits, read_folder, read_zip, write_zip
from .catalogue import Pins, get_version, record_version
from .item_errors import BundleRejected, Problem
from .publish_checks import CheckedBundle, check_bundle


@dataclass(frozen=True)
class ImportResult:
    code: str
    version: int
    created: bool
    process_id: str
    definition_id: int
    definitions: dict[str, int]
    form_versions: dict[str, int]
    critical_days: float
    warnings: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "warnings": [w.to_dict() for w in self.warnings]}


def load_bundle(source: str | os.PathLike | bytes, limits: Limits = DEFAULT_LIMITS) -> Bundle:
    """A bundle from zip bytes, a .zip file or a folder.

    Raises:
        BundleRejected: unsafe or unreadable, naming each entry.
    """
    if isinstance(source, bytes):
        return read_zip(source, limits)
    if os.path.isdir(source):
        return read_folder(source, limits)
    if not os.path.isfile(source):
        raise BundleRejected("no such bundle", [Problem("bundle-not-found", f"{os.fspath(source)!r} does not exist")])
    if os.path.getsize(source) > limits.max_zip_bytes:
        raise BundleRejected("the zip is too large", [Problem("zip-too-large", f"more than {limits.max_zip_bytes} "
                                                              "bytes", file=os.fspath(source))])
    with open(source, "rb") as stream:
        return read_zip(stream.read(), limits)


def check(env, bundle: Bundle) -> CheckedBundle:
    """Every problem of a bundle, without storing anything (what ``yiwang item check`` prints)."""
    config = env.config
    return check_bundle(bundle.item, bundle.files, bundle.forms, scripts_enabled=config.scripts_enabled,
                        max_xml_bytes=config.max_xml_bytes, max_xml_depth=config.max_xml_depth)


def import_bundle(uow, bundle: Bundle, *, published_by: str | None = None, note: str | None = None) -> ImportResult:
    """Publish a service item bundle: its forms, its process and a new item version, in one transaction.

    Takes a fresh unit of work and commits it. Importing identical content again
    stores nothing new and returns the same versions.

    Raises:
        BundleRejected: the bundle has problems (all listed); nothing was stored.
        ItemVersionConflict, FormVersionConflict: a concurrent publish won; nothing was stored.
    """
    checked = check(uow.env, bundle)
    if checked.errors:
        raise BundleRejected(f"the bundle cannot be published: {len(checked.errors)} problem(s)",
                             checked.errors + checked.warnings, code=_code_of(bundle))
    item, outline = checked.item, checked.outline
    with uow:
        session = uow.session
        versions = {key: publish_form(session, key, form["schema"], form.get("ui_schema"), note=note)[0].version
                    for key, form in sorted(checked.forms.items())}
        try:
            result = engine_deploy.deploy_in(uow, bundle.files, deployed_by=published_by, note=note)
        except DeployRejected as err:
            raise BundleRejected(err.message, [Problem(f"bpmn-{i.code}", i.message, file=i.file,
                                                       element_id=i.element_id, line=i.line) for i in err.issues],
                                 code=item.code) from err
        definitions = {p.process_id: session.get(ProcessDefinition, p.definition_id) for p in result.processes}
        pins = Pins(definitions[item.process_id], {pid: d.version for pid, d in definitions.items()}, versions,
                    sorted(set(bundle.forms)), sorted(bundle.files), outline.critical_days)
        row, created = record_version(session, item, pins, published_by=published_by, note=note)
        uow.commit()
    return ImportResult(row.code, row.version, created, row.process_id, row.definition_id,
                        dict(row.definitions), dict(row.form_versions), row.critical_days, checked.warnings)


def _code_of(bundle: Bundle) -> str | None:
    return bundle.item.get("code") if isinstance(bundle.item, dict) and isinstance(bundle.item.get("code"), str) \
        else None


def export_bundle(uow, code: str, version: int | None = None) -> bytes:
    """A published item version as a bundle zip; importing it again gives the same version."""
    with uow:
        row = get_version(uow.session, code, version)
        definition = uow.session.get(ProcessDefinition, row.definition_id, options=[undefer(ProcessDefinition.sources)])
        files = {name: definition.sources[name].encode("utf-8") for name in row.bundle_files}
        forms = {}
        for key in row.bundle_forms:
            form = get_form(uow.session, key, row.form_versions[key])
            forms[key] = {"schema": form.schema, "ui_schema": form.ui_schema}
        return write_zip(Bundle(item=row.document, files=files, forms=forms))
