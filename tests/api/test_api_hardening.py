"""Smaller holes closed (issue 16, #13), each attacked over HTTP against a real server.

抄送 goes to staff only, 加签 only to a participant someone can work, and an uploaded file's
name must say what its content is.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from api_kit import START
from engine.models import InstanceCopy, WorkTask
from live_kit import session_for, threaded_server


@pytest.fixture
def server(app, organisation, deployed):
    with threaded_server(app) as base:
        yield base


def count(env, model, *where) -> int:
    with env.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def accepted_case(base: str, clerk: requests.Session) -> str:
    """A one-window case accepted by the clerk, now at the departments' countersign (会签)."""
    started = clerk.post(f"{base}/api/v1/instances", json={"process_id": "one_window_approval", "data": START,
                                                          "applicant": "zhang3"}, timeout=60)
    assert started.status_code == 201, started.text
    case_id = started.json()["id"]
    (accept,) = [t for t in clerk.get(f"{base}/api/v1/tasks", timeout=30).json()["items"]
                 if t["instance_id"] == case_id]
    done = clerk.post(f"{base}/api/v1/tasks/{accept['id']}/complete", json={"data": {"acceptance": "accept"}},
                      timeout=60)
    assert done.status_code == 200, done.text
    return case_id


def test_a_case_is_copied_to_staff_only_never_to_an_applicant(server, env):
    clerk = session_for(server, "clerk1")
    case_id = accepted_case(server, clerk)
    stranger = session_for(server, "li4")  # another applicant
    refused = clerk.post(f"{server}/api/v1/instances/{case_id}/copies", json={"users": ["li4"]}, timeout=30)
    assert refused.status_code == 422 and refused.headers["Content-Type"].startswith("application/problem+json")
    assert [e["pointer"] for e in refused.json()["errors"]] == ["/users/0"]
    assert "staff" in refused.json()["errors"][0]["message"]
    assert count(env, InstanceCopy) == 0
    assert stranger.get(f"{server}/api/v1/instances/{case_id}", timeout=30).status_code == 404
    copied = clerk.post(f"{server}/api/v1/instances/{case_id}/copies", json={"users": ["lead1"]}, timeout=30)
    assert copied.status_code == 201, copied.text


def test_a_countersigner_nobody_can_work_is_refused_and_nothing_changes(server, env):
    clerk = session_for(server, "clerk1")
    case_id = accepted_case(server, clerk)
    open_reviews = (WorkTask.instance_id == case_id, WorkTask.element_id == "review", WorkTask.state == "ready")
    assert count(env, WorkTask, *open_reviews) == 3
    url = f"{server}/api/v1/instances/{case_id}/countersigners"
    refused = clerk.post(url, json={"element_id": "review", "participant": "no_such_department"}, timeout=60)
    assert refused.status_code == 422, refused.text
    assert [e["pointer"] for e in refused.json()["errors"]] == ["/participant"]
    assert count(env, WorkTask, *open_reviews) == 3
    case = clerk.get(f"{server}/api/v1/instances/{case_id}", timeout=30).json()
    assert case["data"]["departments"] == ["market", "fire", "environment"]
    added = clerk.post(url, json={"element_id": "review", "participant": "lead"}, timeout=60)
    assert added.status_code == 201, added.text
    assert count(env, WorkTask, *open_reviews) == 4


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.parametrize("name", ["营业执照.exe", "营业执照.html", "营业执照.pdf.exe", "营业执照"])
def test_a_pdf_whose_name_claims_another_type_is_refused(server, app, name):
    applicant = session_for(server, "zhang3")
    response = applicant.post(f"{server}/api/v1/materials", files={"file": (name, io.BytesIO(PDF))}, timeout=30)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["reason"], problem["detected"]) == ("name-mismatch", "pdf")
    assert [e["pointer"] for e in problem["errors"]] == ["/file"]
    assert not [p for p in Path(app.config["MATERIALS_DIR"]).rglob("*") if p.is_file()]
    fine = applicant.post(f"{server}/api/v1/materials", files={"file": ("营业执照.PDF", io.BytesIO(PDF))},
                          timeout=30)
    assert fine.status_code == 201, fine.text
