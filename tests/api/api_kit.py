"""Helpers for API tests (fixtures are in conftest.py)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from support.paths import EXAMPLES

PASSWORD = "Correct-Horse-9"
EXAMPLE = EXAMPLES / "one_window_approval"
BPMN = EXAMPLE / "one_window_approval.bpmn"
# A resident ID number with a valid check character (GB 11643), and how lists show it.
RESIDENT_ID = "11010519491231002X"
MASKED_ID = "1101**********002X"
START = {"applicant": "zhang3", "applicant_name": "张三", "id_number": RESIDENT_ID, "mobile": "13812345678",
         "departments": ["market", "fire", "environment"]}


def example_bundle() -> bytes:
    """The one-window example as a bundle zip: its BPMN and its forms."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(BPMN, BPMN.name)
        for form in sorted((EXAMPLE / "forms").glob("*.json")):
            archive.write(form, f"forms/{form.name}")
    return buffer.getvalue()


@dataclass
class ApiClient:
    """A test client that sends the session's CSRF token (or a bearer token) on every call."""

    client: Any
    headers: dict[str, str] = field(default_factory=dict)

    def _call(self, method: str, path: str, *, headers=None, **kwargs):
        merged = {**self.headers, **(headers or {})}
        return getattr(self.client, method)(path, headers=merged, **kwargs)

    def get(self, path, **kw):
        return self._call("get", path, **kw)

    def post(self, path, **kw):
        return self._call("post", path, **kw)

    def put(self, path, **kw):
        return self._call("put", path, **kw)

    def patch(self, path, **kw):
        return self._call("patch", path, **kw)

    def delete(self, path, **kw):
        return self._call("delete", path, **kw)


def tasks_of(client: ApiClient, instance_id: str | None = None, **params) -> list[dict]:
    response = client.get("/api/v1/tasks", query_string=params)
    assert response.status_code == 200, response.get_json()
    return [t for t in response.get_json()["items"] if instance_id is None or t["instance_id"] == instance_id]


def audit_rows(env, **filters) -> list:
    from api import audit

    with env.unit_of_work() as uow:
        rows = audit.list_records(uow.session, limit=500, **filters)
        uow.session.expunge_all()
        return rows
