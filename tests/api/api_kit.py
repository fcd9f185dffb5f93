"""Helpers for API tests (fixtures are in conftest.py)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.calendar import CST
from support import second_factor
from support.paths import EXAMPLES

PASSWORD = "Correct-Horse-9"
EXAMPLE = EXAMPLES / "one_window_approval"
BPMN = EXAMPLE / "one_window_approval.bpmn"
# A resident ID number with a valid check character (GB 11643), and how lists show it.
RESIDENT_ID = "11010519491231002X"
MASKED_ID = "1101**********002X"
START = {"applicant": "zhang3", "applicant_name": "张三", "id_number": RESIDENT_ID, "mobile": "13812345678",
         "departments": ["market", "fire", "environment"]}


def bundle_zip(folder: Path, *, leave_out: tuple[str, ...] = (), **replace: bytes) -> bytes:
    """A bundle folder (an example) as a zip; ``replace`` swaps a member's content by its path."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            if name not in leave_out:
                archive.writestr(name, replace.pop(name, None) or path.read_bytes())
        for name, content in replace.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def login(app, username: str, password: str = PASSWORD) -> "ApiClient":
    """A client logged in through a browser session (it sends the CSRF token on every call).

    Administrators give their second factor's code, or set one up at their first sign-in
    (:mod:`support.second_factor`).
    """
    client = app.test_client()

    def post(path, body, headers):
        response = client.post(path, json=body, headers=headers)
        return response.status_code, response.get_json()

    status, body = second_factor.sign_in(post, username, password)
    assert status == 200, body
    return ApiClient(client, {"X-CSRF-Token": body["csrf_token"]})


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment on the hall's clock (China Standard Time)."""
    return datetime(year, month, day, hour, minute, tzinfo=CST)


@dataclass
class FixedClock:
    """The app's clock in a test: stands still until set."""

    now: datetime = field(default_factory=lambda: at(2026, 9, 28, 10))

    def __call__(self) -> datetime:
        return self.now

    def set(self, *args: int) -> datetime:
        self.now = at(*args)
        return self.now


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

