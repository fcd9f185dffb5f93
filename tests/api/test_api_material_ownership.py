"""Knowing a file's digest is not enough to get the file (issue 16, #11), over HTTP against a real server.

A material belongs to whoever uploaded it and to the cases they cited it in. Applicant B, who
learnt the digest, size and type of applicant A's signed contract, cannot cite it in B's own
application (refused exactly as a file never uploaded, so the answer does not even confirm it
exists), nor fetch it through a case of B's whose data was never checked against a form.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from api.demo import PASSWORD as DEMO_PASSWORD
from case_api_kit import BUYER_ID, COMPANY_CODE, REAL_ESTATE, real_estate_application
from forms.models import CaseMaterial
from live_kit import session_for, threaded_server
from processes.case_models import Case
from support.paths import DATA

CONTRACT = b"%PDF-1.4\n% A's signed contract\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PAYMENT = DATA / "api" / "payment_wait.bpmn"


@pytest.fixture
def server(app, demo, clock):
    clock.set(2026, 9, 28, 10)
    with threaded_server(app) as base:
        yield base


def upload(http, base: str, content: bytes, name: str) -> dict:
    response = http.post(f"{base}/api/v1/materials", params={"form_key": "bdc_application", "field": "/contract"},
                         files={"file": (name, io.BytesIO(content))}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def cases_of(env, user: str) -> int:
    with env.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Case).where(Case.applicant_user == user))


def test_another_applicants_file_cannot_be_cited_nor_downloaded_by_its_digest(server, env):
    a = session_for(server, "applicant", DEMO_PASSWORD)
    b = session_for(server, "company", DEMO_PASSWORD)
    contract = upload(a, server, CONTRACT, "存量房买卖合同.pdf")
    opened = a.post(f"{server}/api/v1/cases", json={
        "item_code": REAL_ESTATE, "channel": "online", "data": real_estate_application(contract=contract),
        "applicant": {"user": None, "id_number": BUYER_ID, "kind": "person"}}, timeout=60)
    assert opened.status_code == 201, opened.text
    a_case = opened.json()["case_id"]
    assert a.get(f"{server}/api/v1/cases/{a_case}/materials/{contract['sha256']}", timeout=30).content == CONTRACT

    # B cites A's file by its digest in B's own application: refused like a file never uploaded
    forged = dict(contract)
    never = {**contract, "sha256": "cd" * 32}
    answers = []
    for reference in (forged, never):
        refused = b.post(f"{server}/api/v1/cases", json={
            "item_code": REAL_ESTATE, "channel": "online",
            "data": real_estate_application("company", contract=reference),
            "applicant": {"user": None, "id_number": COMPANY_CODE, "kind": "company"}}, timeout=60)
        assert refused.status_code == 422, refused.text
        answers.append([e for e in refused.json()["errors"] if e["pointer"].endswith("/contract")])
    assert answers[0] and answers[0] == answers[1]
    assert cases_of(env, "company") == 0

    # B puts the reference in a case whose data no form checks, then asks for the file through it
    designer = session_for(server, "designer", DEMO_PASSWORD)
    deployed = designer.post(f"{server}/api/v1/definitions", data=PAYMENT.read_bytes(),
                             params={"filename": PAYMENT.name}, headers={"Content-Type": "application/xml"},
                             timeout=60)
    assert deployed.status_code == 201, deployed.text
    started = b.post(f"{server}/api/v1/instances", json={"process_id": "payment_wait",
                                                          "data": {"contract": forged}}, timeout=60)
    assert started.status_code == 201, started.text
    b_case = started.json()["id"]
    stolen = b.get(f"{server}/api/v1/cases/{b_case}/materials/{contract['sha256']}", timeout=30)
    assert stolen.status_code == 404 and CONTRACT not in stolen.content
    with env.unit_of_work() as uow:
        owners = uow.session.scalars(select(CaseMaterial.instance_id).where(
            CaseMaterial.sha256 == contract["sha256"])).all()
    assert owners == [a_case]


def test_the_same_content_uploaded_by_each_applicant_is_each_ones_own(server, env):
    """Content-addressed storage keeps one copy, but B's own upload of the same bytes is B's to cite."""
    a = session_for(server, "applicant", DEMO_PASSWORD)
    b = session_for(server, "company", DEMO_PASSWORD)
    upload(a, server, CONTRACT, "合同.pdf")
    mine = upload(b, server, CONTRACT, "我的合同.pdf")
    opened = b.post(f"{server}/api/v1/cases", json={
        "item_code": REAL_ESTATE, "channel": "online", "data": real_estate_application("company", contract=mine),
        "applicant": {"user": None, "id_number": COMPANY_CODE, "kind": "company"}}, timeout=60)
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["case_id"]
    assert b.get(f"{server}/api/v1/cases/{case_id}/materials/{mine['sha256']}", timeout=30).content == CONTRACT
