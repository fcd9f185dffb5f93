"""Helpers for driving the example items through the API as the demo users would.

The items are the demo installation's (``demo`` fixture): the example bundles and
the organisation of :mod:`api.demo`. Applications are what each example's form asks.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from stdnum.cn import ric, uscc

STARTUP = "340500-YJS-QYKB-001"
REAL_ESTATE = "340500-XZQR-BDC-012"
ELDERLY = "340503-XZGF-GLJT-001"
PERMIT = "340500-XK-SGXK-007"


# -- identity numbers and materials ------------------------------------------------------
def resident_id(region: str = "340503", birth: str = "19900215", sequence: str = "057") -> str:
    base = region + birth + sequence
    return base + ric.calc_check_digit(base + "0")  # stdnum ignores the last character


def credit_code(region: str = "340500", organisation: str = "MA8N2Q7X1") -> str:
    base = "91" + region + organisation
    return base + uscc.calc_check_digit(base)


def licence(licence_type: str, number: str) -> dict[str, str]:
    return {"source": "licence", "licence_type": licence_type, "licence_number": number}


# Where the test app keeps uploaded materials, and its engine (set by the ``app`` fixture): an
# application may only refer to files the store holds that its submitter uploaded, so
# :func:`upload` puts a real file there and records who uploaded it.
MATERIALS: dict[str, Any] = {"dir": None, "env": None}
_SAMPLES = {"pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"}


def upload(name: str, fmt: str = "pdf", *, by: str) -> dict[str, Any]:
    """A material ``by`` uploaded: a small file of that type in the app's material store."""
    from forms import material_ownership
    from forms.file_store import FileStore

    if MATERIALS["dir"] is None:
        raise RuntimeError("upload() needs the api 'app' fixture (it names the material store)")
    content = _SAMPLES[fmt] + f"{name}\n".encode() * 200
    stored = FileStore(MATERIALS["dir"]).put(content, name)
    with MATERIALS["env"].unit_of_work() as uow:
        material_ownership.record_upload(uow.session, stored.sha256, by)
        uow.commit()
    return stored.reference()


# -- applications ------------------------------------------------------------------------
BUYER_ID = resident_id()
BUYER_MOBILE = "13805551111"


def real_estate_application(applicant: str = "applicant", **changes: Any) -> dict[str, Any]:
    return {
        "applicant": applicant,
        "transferee_name": "张伟", "transferee_id": BUYER_ID, "mobile": BUYER_MOBILE,
        "transferor_name": "刘芳", "transferor_id": resident_id("340504", "19650830", "024"),
        "certificate_number": "皖(2019)马鞍山市不动产权第0012345号",
        "property_address": "马鞍山市花山区湖东中路88号华润橡树湾5栋1单元1202室",
        "floor_area": 118.6, "price": 156.0,
        "identity_proof": licence("CN-RESIDENT-ID", "340503-0215"),
        "certificate": licence("CN-REAL-ESTATE-CERT", "皖(2019)马鞍山市不动产权第0012345号"),
        "contract": upload("存量房买卖合同.pdf", by=applicant),
        "tax_receipt": licence("CN-TAX-PAYMENT-RECEIPT", "334056260000012345"),
        "marital_commitment": True,
        **changes,
    }


FOUNDER_ID = resident_id("340504", "19880716", "035")


def startup_application(**changes: Any) -> dict[str, Any]:
    """The merged form of 企业开办一件事: shared fields asked once."""
    return {
        "company.name": "马鞍山市皖江智造科技有限公司",
        "applicant.name": "陈晓东", "applicant.id_number": FOUNDER_ID, "applicant.mobile": "13955551234",
        "company.address": "马鞍山市雨山区湖东南路2000号创业园3号楼201室",
        "registration.company_type": "有限责任公司(自然人独资)",
        "registration.registered_capital": 100,
        "registration.business_scope": "工业自动控制系统装置制造;软件开发",
        "registration.legal_rep_id_proof": licence("CN-RESIDENT-ID", "340504-0716"),
        "registration.articles": upload("公司章程.pdf", by="clerk"),  # opened at the window
        "seal.seal_types": ["公章", "财务专用章"], "seal.seal_maker": "马鞍山市印章刻制服务中心",
        "tax.taxpayer_type": "小规模纳税人", "tax.invoice_types": ["数电发票(普通发票)"],
        "tax.accountant_name": "王丽", "tax.accountant_mobile": "13855556789",
        "social.employees": 6, "social.start_month": "2026-12",
        **changes,
    }


def elder_id(age: int) -> str:
    """A resident ID of someone who turns ``age`` this year (the rules use the birth year)."""
    # 花山区 (340503) dates from 1983; its elderly residents born long before carry the code all the same.
    return resident_id("340503", f"{date.today().year - age}0101", "021")


def elderly_application(age: int, *, local: bool = True, **changes: Any) -> dict[str, Any]:
    return {
        "applicant": "applicant", "name": "李桂萍", "id_number": elder_id(age), "mobile": "13905550123",
        "local_hukou": local, "residence_years": 30 if local else 7,
        "id_card": licence("CN-RESIDENT-ID", "340503-0001"),
        "household_register": licence("CN-HOUSEHOLD-REGISTER", "HS-2019-0421"),
        "bank_card": upload("社保卡.jpg", "jpeg", by="applicant"),
        **changes,
    }


COMPANY_CODE = credit_code()


def permit_application(**changes: Any) -> dict[str, Any]:
    return {
        "applicant": "company",
        "company_name": "安徽皖江高端装备制造有限公司", "uscc": COMPANY_CODE,
        "legal_rep_name": "孙建国", "legal_rep_id": resident_id("340500", "19720304", "017"),
        "mobile": "13605558888",
        "project_name": "年产2万台智能数控机床生产线项目1号厂房", "project_code": "2026-340500-34-03-012345",
        "site_address": "马鞍山经济技术开发区红旗南路以东、银黄东路以北", "floor_area": 32600, "investment": 8600,
        "planning_permit": licence("CN-PLANNING-PERMIT", "建字第340500202600123号"),
        "land_certificate": licence("CN-REAL-ESTATE-CERT", "皖(2025)马鞍山市不动产权第0054321号"),
        "contract": [upload("中标通知书.pdf", by="company"), upload("施工合同.pdf", by="company")],
        "drawing_commitment": True,
        "funding_commitment": upload("建设资金落实承诺书.pdf", by="company"),
        **changes,
    }


# -- driving -----------------------------------------------------------------------------
def ok(response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def open_case(client, item_code: str, data: dict[str, Any], *, id_number: str, kind: str = "person",
              channel: str = "online", user: str | None = None, window: str | None = None) -> dict[str, Any]:
    """Open a case; returns the receipt."""
    body = {"item_code": item_code, "channel": channel, "window": window, "data": data,
            "applicant": {"user": user, "id_number": id_number, "kind": kind}}
    return ok(client.post("/api/v1/cases", json=body), 201)


def task(client, case_id: str, element_id: str, **params: Any) -> dict[str, Any]:
    """The one ready task of this step the client sees."""
    items = ok(client.get("/api/v1/tasks", query_string={"limit": 500, **params}))["items"]
    found = [t for t in items if t["instance_id"] == case_id and t["element_id"] == element_id]
    assert len(found) == 1, [(t["element_id"], t["loop_item"]) for t in items if t["instance_id"] == case_id]
    return found[0]


def complete(client, case_id: str, element_id: str, data: dict[str, Any]) -> dict[str, Any]:
    work = task(client, case_id, element_id)
    return ok(client.post(f"/api/v1/tasks/{work['id']}/complete", json={"data": data},
                          headers={"If-Match": work["etag"]}))


def case(client, case_id: str) -> dict[str, Any]:
    return ok(client.get(f"/api/v1/cases/{case_id}"))


def open_steps(client, case_id: str) -> list[str]:
    return sorted(t["element_id"] for t in case(client, case_id)["current_tasks"])


def progress(app, tracking_number: str, code: str | None = None) -> dict[str, Any]:
    """The public progress page, asked without logging in (with the receipt's query code, read here if not given)."""
    if code is None:
        from sqlalchemy import select

        from processes.case_models import Case

        with app.extensions["yiwang"].unit_of_work() as uow:
            code = uow.session.scalar(select(Case.query_code).where(Case.tracking_number == tracking_number))
    return ok(app.test_client().get(f"/api/v1/progress/{tracking_number}", query_string={"code": code}))


def text_of(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
