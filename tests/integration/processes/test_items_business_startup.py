"""企业开办一件事: one merged form, one window, four departments in parallel, one hand-out."""

from __future__ import annotations

import pytest

from engine.actors import Actor
from engine.errors import NotAllowed
from forms.errors import FormDataError
from items_kit import (
    STARTUP,
    apply,
    credit_code,
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
from support.engine_kit import assert_survives_restart, complete, one_ready

CODE = "340500-YJS-QYKB-001"
CLERK = Actor.of("zhou.clerk", "window")
DEPARTMENTS = {
    "registration": (Actor.of("amr.chen", "amr"), {"registration_review": {"approved": True, "uscc": credit_code()}}),
    "seal": (Actor.of("psb.liu", "psb"), {"seal_review": {"approved": True}}),
    "tax": (Actor.of("tax.zhao", "tax"), {"tax_review": {"approved": True}}),
    "social": (Actor.of("hrss.sun", "hrss"), {"social_review": {"approved": True}}),
}


@pytest.fixture
def env(db_engine):
    with forms_bound_env(db_engine) as env:
        publish(env, STARTUP)
        yield env


def merged_application(**changes) -> dict:
    """What the founder fills in once: shared fields (company, identity) asked a single time."""
    return {
        "company.name": "马鞍山市皖江智造科技有限公司",
        "applicant.name": "陈晓东",
        "applicant.id_number": resident_id("340504", "19880716", "035"),
        "applicant.mobile": "13955551234",
        "company.address": "马鞍山市雨山区湖东南路2000号创业园3号楼201室",
        "registration.company_type": "有限责任公司(自然人独资)",
        "registration.registered_capital": 100,
        "registration.business_scope": "工业自动控制系统装置制造;软件开发",
        "registration.legal_rep_id_proof": licence("CN-RESIDENT-ID", "340504-0716"),
        "registration.articles": upload("公司章程.pdf"),
        "seal.seal_types": ["公章", "财务专用章", "发票专用章"],
        "seal.seal_maker": "马鞍山市印章刻制服务中心",
        "tax.taxpayer_type": "小规模纳税人",
        "tax.invoice_types": ["数电发票(普通发票)"],
        "tax.accountant_name": "王丽",
        "tax.accountant_mobile": "13855556789",
        "social.employees": 6,
        "social.start_month": "2026-12",
        **changes,
    }


def test_one_application_runs_the_four_departments_in_parallel_and_ends_at_the_window(env):
    case = apply(env, CODE, merged_application(), applicant="chen.xd", business_key="QYKB-2026-0001")
    case_data = data(env, case)
    # the shared answers reach every part that asks for them
    assert case_data["registration"]["company_name"] == case_data["seal"]["company_name"] \
        == case_data["tax"]["company_name"] == case_data["social"]["company_name"] == "马鞍山市皖江智造科技有限公司"
    assert case_data["social"]["mobile"] == "13955551234"

    work(env, case, "accept", {"acceptance": "accept", "deferred_materials": ["KB-M03"]}, CLERK)
    assert open_steps(env, case) == sorted(DEPARTMENTS)
    for element_id, (officer, opinion) in DEPARTMENTS.items():
        assert_survives_restart(env, case)
        work(env, case, element_id, opinion, officer)

    work(env, case, "issue", {"delivery": "mail", "tracking_number": "1186012345678"}, CLERK)
    assert status(env, case) == "completed"
    assert data(env, case)["registration_review"]["uscc"] == credit_code()


def test_each_department_works_only_its_own_part(env):
    case = apply(env, CODE, merged_application(), applicant="chen.xd")
    work(env, case, "accept", {"acceptance": "accept"}, CLERK)
    tax_officer, _ = DEPARTMENTS["tax"]

    with pytest.raises(NotAllowed):
        complete(env, one_ready(env, case, "seal"), {"seal_review": {"approved": True}}, tax_officer)


def test_corrections_go_back_to_the_founder_and_one_department_refusing_ends_with_a_refusal(env):
    case = apply(env, CODE, merged_application(), applicant="chen.xd")
    work(env, case, "accept", {"acceptance": "correct",
                               "deficiencies": [
        {"kind": "material", "ref": "KB-M02", "name": "公司章程", "problem": "章程未经全体股东签署"}]}, CLERK)
    work(env, case, "correct", {"supplement": "已上传全体股东签署的章程"}, Actor.of("chen.xd"))
    work(env, case, "accept", {"acceptance": "accept"}, CLERK)
    for element_id, (officer, opinion) in DEPARTMENTS.items():
        if element_id == "registration":
            opinion = {"registration_review": {"approved": False, "comment": "经营范围含需前置审批项目"}}
        work(env, case, element_id, opinion, officer)

    assert status(env, case) == "completed"
    assert open_steps(env, case) == []
    assert "issue" not in data(env, case).get("tasks", {})


def test_a_merged_application_is_checked_as_a_whole_and_every_problem_named(env):
    bad = merged_application(**{"applicant.id_number": "340504198807160351", "tax.accountant_mobile": "123"})
    del bad["registration.articles"]

    with pytest.raises(FormDataError) as refused:
        apply(env, CODE, bad, applicant="chen.xd")

    assert {e.pointer for e in refused.value.errors} == {
        "/applicant.id_number", "/tax.accountant_mobile", "/registration.articles"}
