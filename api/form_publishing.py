"""Publishing a form version from the API, with what changed since the previous one."""

from __future__ import annotations

from typing import Any

from forms import store


def publish(uow, form_key: str, schema: dict, ui_schema: dict | None, note: str | None) -> dict[str, Any]:
    with uow:
        before = store.list_versions(uow.session, form_key)
        version, changes = store.publish_form(uow.session, form_key, schema, ui_schema, note=note)
        created = not before or before[-1].version != version.version
        result = {"form_key": version.form_key, "version": version.version, "content_hash": version.content_hash,
                  "note": version.note, "created_at": version.created_at, "created": created,
                  "changes": [{"pointer": c.pointer, "kind": c.kind, "breaking": c.breaking,
                               "description": c.describe("en")} for c in changes]}
        uow.commit()
        return result
