"""Deploying uploads: BPMN/DMN files through the engine, service item bundles through the catalogue.

An item bundle is published by :func:`processes.bundles.import_bundle` (forms,
process and item version in one transaction, or nothing); this module only shapes
the answers for the API.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engine import deploy as engine_deploy
from engine.models import ProcessDefinition
from processes import bundles as item_bundles
from processes.bundle_files import Bundle


def deploy_files(uow, files: dict[str, bytes], *, deployed_by: str | None, note: str | None = None) -> dict[str, Any]:
    """Deploy BPMN/DMN files (the forms they name must be published already)."""
    result = engine_deploy.deploy(uow, files, deployed_by=deployed_by, note=note)
    return {"processes": [p.__dict__ for p in result.processes],
            "warnings": [w.to_dict() | {"severity": w.severity} for w in result.warnings],
            "forms": [], "item": None}


def lint_files(uow, files: dict[str, bytes]) -> list[dict[str, Any]]:
    with uow:
        _, issues = engine_deploy.check_bundle(uow, files)
    return [i.to_dict() | {"severity": i.severity} for i in issues]


def check_item(env, bundle: Bundle) -> list[dict[str, Any]]:
    """Every problem of an item bundle (errors and warnings), storing nothing."""
    return [p.to_dict() for p in item_bundles.check(env, bundle).problems]


def import_item(uow, bundle: Bundle, *, published_by: str | None, note: str | None = None) -> dict[str, Any]:
    """Publish an item bundle; the answer also says which definitions this call deployed."""
    env = uow.env
    with env.unit_of_work() as look:
        before = look.session.scalar(select(func.max(ProcessDefinition.id))) or 0
    result = item_bundles.import_bundle(uow, bundle, published_by=published_by, note=note)
    with env.unit_of_work() as look:
        rows = look.session.execute(select(ProcessDefinition.id, ProcessDefinition.process_id,
                                           ProcessDefinition.version)
                                    .where(ProcessDefinition.process_id.in_(sorted(result.definitions)))).all()
    ids = {(r.process_id, r.version): r.id for r in rows}
    processes = [{"definition_id": ids[(pid, version)], "process_id": pid, "version": version,
                  "created": ids[(pid, version)] > before} for pid, version in sorted(result.definitions.items())]
    return {**result.to_dict(), "name": _item_name(bundle), "processes": processes,
            "forms": [{"form_key": k, "version": v} for k, v in sorted(result.form_versions.items())]}


def _item_name(bundle: Bundle) -> str | None:
    name = bundle.item.get("name") if isinstance(bundle.item, dict) else None
    return name if isinstance(name, str) else None


def as_deploy_result(imported: dict[str, Any]) -> dict[str, Any]:
    """An item import answered in the shape of a deployment (``POST /definitions`` with a zip)."""
    return {"processes": imported["processes"], "warnings": imported["warnings"], "forms": imported["forms"],
            "item": {"code": imported["code"], "version": imported["version"], "name": imported["name"],
                     "created": imported["created"]}}
