"""存量房买卖转移登记: window, examination, register entry, certificate; corrections once; refusal with notice."""

from __future__ import annotations

import pytest

from engine.actors import Actor
from engine.errors import InvalidData
from items_kit import (
    REAL_ESTATE,
    apply,
    data,
    forms_bound_env,
    licence,
    open_steps,
    publish,
    resident_id,
    status,
    upload,
    work,
)
from support.engine_kit import assert_survives_restart, history

CODE = "340500-XZQR-BDC-012"
CLERK = Actor.of("ma.clerk", "window")
EXAMINER = Actor.of("he.examiner", "bdc_examiner")
RECORDER = Actor.of("xu.recorder", "bdc_recorder")
BUYER = "zhang.wei"


@pytest.fixture
def env(db_engine):
    with forms_bound_env(db_engine) as env:
        publish(env, REAL_ESTATE)
        yield env


def application(**changes) -> dict:
    return {
        "applicant": BUYER,
        "transferee_name": "张伟", "transferee_id": resident_id("340503", "19900215", "057"),
        "mobile": "13805551111",
        "transferor_name": "刘芳", "transferor_id": resident_id("340504", "19650830", "024"),
        "certificate_number": "皖(2019)马鞍山市不动产权第0012345号",
        "property_address": "马鞍山市花山区湖东中路88号华润橡树湾5栋1单元1202室",
        "floor_area": 118.6, "price": 156.0,
        "identity_proof": licence("CN-RESIDENT-ID", "340503-0215"),
        "certificate": licence("CN-REAL-ESTATE-CERT", "皖(2019)马鞍山市不动产权第0012345号"),
        "contract": upload("存量房买卖合同.pdf"),
        "tax_receipt": licence("CN-TAX-PAYMENT-RECEIPT", "334056260000012345"),
        "marital_commitment": True,
        **changes,
    }


def test_a_transfer_is_registered_and_the_certificate_mailed_after_one_correction(env):
    case = apply(env, CODE, application(), applicant=BUYER, business_key="BDC-2026-004211")

    work(env, case, "accept", {"acceptance": "correct", "deficiencies": [
        {"kind": "material", "ref": "BDC-M03", "name": "存量房买卖合同", "problem": "合同第3页缺少出卖人签字",
         "requirement": "补签后重新上传"}]}, CLERK)
    work(env, case, "correct", {"supplement": "已补签并重新上传合同"}, Actor.of(BUYER))
    work(env, case, "accept", {"acceptance": "accept", "fee_paid": True}, CLERK)
    assert_survives_restart(env, case)
    work(env, case, "review", {"review_decision": "approve", "encumbrances_checked": True}, EXAMINER)
    work(env, case, "record", {"unit_number": "340503001002GB00012F00051202",
                               "new_certificate_number": "皖(2026)马鞍山市不动产权第0098765号"}, RECORDER)
    work(env, case, "issue", {"delivery": "mail", "tracking_number": "1186098765432"}, CLERK)

    assert status(env, case) == "completed"
    assert data(env, case)["new_certificate_number"] == "皖(2026)马鞍山市不动产权第0098765号"
    steps = [h["element_id"] for h in history(env, case) if h["action"] == "task.completed"]
    assert steps == ["accept", "correct", "accept", "review", "record", "issue"]


def test_an_examiner_refusal_ends_the_case_without_a_register_entry(env):
    case = apply(env, CODE, application(), applicant=BUYER)
    work(env, case, "accept", {"acceptance": "accept", "fee_paid": True}, CLERK)

    work(env, case, "review", {"review_decision": "refuse", "comment": "该房屋已被法院查封"}, EXAMINER)

    assert status(env, case) == "completed"
    assert open_steps(env, case) == []
    assert "record" not in data(env, case)["tasks"]


def test_without_a_commitment_the_marriage_certificate_is_required(env):
    with pytest.raises(InvalidData) as refused:
        apply(env, CODE, application(marital_commitment=False), applicant=BUYER)

    assert [e["pointer"] for e in refused.value.errors] == ["/marital_status"]
