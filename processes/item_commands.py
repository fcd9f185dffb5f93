"""What the ``yiwang item ...`` commands do, as functions a thin CLI (or the API) can call.

Each takes an :class:`~engine.environment.EngineEnv` (built with a form
binding) and plain values, and returns plain values; printing is the caller's.

    yiwang item check PATH                 -> check_item(env, path)
    yiwang item import PATH                -> import_item(env, path)
    yiwang item export CODE -o FILE        -> export_item(env, code, file)
    yiwang item guide CODE [-o FILE]       -> item_guide(env, code)
    yiwang item notice CODE [-o FILE]      -> item_notice(env, code)
    yiwang item list                       -> list_catalogue(env)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from engine import deploy as engine_deploy
from forms.store import publish_form

from . import bundles, catalogue, guide, strict_json
from .item_errors import BundleRejected, Problem


def check_item(env, path: str | os.PathLike) -> list[Problem]:
    """Every problem of a bundle folder or zip (errors and warnings), storing nothing."""
    return bundles.check(env, bundles.load_bundle(path)).problems


def import_item(env, path: str | os.PathLike, *, published_by: str | None = None,
                note: str | None = None) -> bundles.ImportResult:
    """Publish a bundle folder or zip. Raises BundleRejected listing every problem."""
    return bundles.import_bundle(env.unit_of_work(), bundles.load_bundle(path), published_by=published_by, note=note)


def export_item(env, code: str, out: str | os.PathLike, *, version: int | None = None) -> Path:
    """Write a published version (the latest by default) as a bundle zip."""
    data = bundles.export_bundle(env.unit_of_work(), code, version)
    target = Path(out)
    target.write_bytes(data)
    return target


def item_guide(env, code: str, *, version: int | None = None) -> str:
    """The service guide (办事指南) HTML of a published item."""
    with env.unit_of_work() as uow:
        return guide.guide_for(uow.session, code, version)


def item_notice(env, code: str, *, version: int | None = None, **details: Any) -> str:
    """The one-time notice (一次性告知书) HTML of a published item; see :func:`guide.render_notice`."""
    with env.unit_of_work() as uow:
        return guide.notice_for(uow.session, code, version, **details)


def list_catalogue(env, **filters: str) -> list[dict[str, Any]]:
    """The latest version of every item: code, version, name, type, department, region, promised days."""
    with env.unit_of_work() as uow:
        return [{"code": r.code, "version": r.version, "name": r.name, "type": r.item_type,
                 "department": r.department, "region_code": r.region_code, "promised_days": r.promised_days,
                 "process_id": r.process_id, "published_at": r.published_at.isoformat()}
                for r in catalogue.list_items(uow.session, **filters)]


def deploy_process_folder(env, path: str | os.PathLike, *, deployed_by: str | None = None,
                          note: str | None = None) -> tuple[list[tuple[str, int]], Any]:
    """Publish a process folder's forms (``forms/<key>.json``: ``{schema, ui_schema}``), then deploy its
    BPMN and DMN files as one bundle; returns ``[(form key, version)]`` and the deploy result.

    A folder without ``item.json`` is a bare process (a catalogue item is imported with
    :func:`import_item`). Unchanged forms keep their version; an unchanged process is reported so.
    """
    folder = Path(path)
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in (".bpmn", ".dmn")}
    if not files:
        raise BundleRejected("the folder holds no .bpmn or .dmn file", [Problem(
            "no-process", f"{folder} 中没有 .bpmn 或 .dmn 文件", file=str(folder))])
    documents, problems = {}, []
    for form in sorted((folder / "forms").glob("*.json")):
        document, found = strict_json.parse_json(form.read_bytes(), f"forms/{form.name}")
        problems += found
        if not found and not (isinstance(document, dict) and isinstance(document.get("schema"), dict)):
            problems.append(Problem("form-invalid", "应为 {\"schema\": ..., \"ui_schema\": ...}",
                                    file=f"forms/{form.name}", pointer=""))
        documents[form.stem] = document
    if problems:
        raise BundleRejected("the folder's forms cannot be published", problems)
    forms = []
    with env.unit_of_work() as uow:
        for key, document in documents.items():
            version, _ = publish_form(uow.session, key, document["schema"], document.get("ui_schema"), note=note)
            forms.append((key, version.version))
        uow.commit()
    return forms, engine_deploy.deploy(env.unit_of_work(), files, deployed_by=deployed_by, note=note)
