"""工业建设项目施工许可: joint site inspection in parallel, expert review, countersign with veto, decision."""

from __future__ import annotations

import pytest

from engine.actors import Actor
from items_kit import (
    PERMIT,
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
from support.engine_kit import assert_survives_restart, complete, ready

CODE = "340500-XK-SGXK-007"
CLERK = Actor.of("tang.clerk", "window")
EXPERTS = Actor.of("expert.gao", "expert_panel")
LEAD = Actor.of("deputy.yu", "housing_lead")
INSPECTORS = ["housing", "planning", "fire"]
SIGNERS = ["housing", "planning", "fire", "environment"]


@pytest.fixture
def env(db_engine):
    with forms_bound_env(db_engine) as env:
        publish(env, PERMIT)
        yield env


def application(**changes) -> dict:
    return {
        "applicant": "ahgk.build",
        "company_name": "安徽皖江高端装备制造有限公司", "uscc": credit_code("340500", "MA8N2Q7X1"),
        "legal_rep_name": "孙建国", "legal_rep_id": resident_id("340500", "19720304", "017"),
        "mobile": "13605558888",
        "project_name": "年产2万台智能数控机床生产线项目1号厂房", "project_code": "2026-340500-34-03-012345",
        "site_address": "马鞍山经济技术开发区红旗南路以东、银黄东路以北", "floor_area": 32600, "investment": 8600,
        "planning_permit": licence("CN-PLANNING-PERMIT", "建字第340500202600123号"),
        "land_certificate": licence("CN-REAL-ESTATE-CERT", "皖(2025)马鞍山市不动产权第0054321号"),
        "contract": [upload("中标通知书.pdf"), upload("施工合同.pdf")],
        "drawing_commitment": True,
        "funding_commitment": upload("建设资金落实承诺书.pdf"),
        **changes,
    }


def accepted_case(env) -> str:
    case = apply(env, CODE, application(), applicant="ahgk.build", business_key="SGXK-2026-0107")
    work(env, case, "accept", {"acceptance": "accept", "inspection_departments": INSPECTORS,
                               "countersign_departments": SIGNERS}, CLERK)
    return case


def inspect_all(env, case) -> None:
    inspections = ready(env, case, "inspect")
    assert sorted(t["loop_item"] for t in inspections) == sorted(INSPECTORS)
    for task in inspections:
        dept = task["loop_item"]
        complete(env, task, {"inspection": {"site_matches": True, "findings": f"{dept}: 现场与图纸一致"}},
                 Actor.of(f"{dept}.inspector", dept))


def test_a_permit_runs_through_inspection_expert_review_and_countersign_to_issue(env):
    case = accepted_case(env)
    inspect_all(env, case)
    assert open_steps(env, case) == ["expert_review"]
    work(env, case, "expert_review", {"expert_conclusion": "pass_with_conditions",
                                      "expert_notes": "基坑支护方案需专项论证"}, EXPERTS)
    signatures = ready(env, case, "countersign")
    assert sorted(g for t in signatures for g in t["candidate_groups"]) == sorted(SIGNERS)
    for task in signatures:
        assert_survives_restart(env, case)
        dept = task["loop_item"]
        complete(env, task, {"opinion": {"approved": True}}, Actor.of(f"{dept}.signer", dept))
    work(env, case, "decide", {"decision": "approve", "permit_number": "340500202612010101"}, LEAD)
    work(env, case, "issue", {"delivery": "electronic"}, CLERK)

    assert status(env, case) == "completed"
    case_data = data(env, case)
    assert len(case_data["inspection_records"]) == 3 and len(case_data["countersign_opinions"]) == 4


def test_one_department_veto_ends_the_countersign_and_the_permit_is_refused(env):
    case = accepted_case(env)
    inspect_all(env, case)
    work(env, case, "expert_review", {"expert_conclusion": "pass"}, EXPERTS)
    fire = next(t for t in ready(env, case, "countersign") if t["loop_item"] == "fire")
    complete(env, fire, {"opinion": {"approved": False, "comment": "消防车道宽度不满足规范"}},
             Actor.of("fire.signer", "fire"))
    assert open_steps(env, case) == ["decide"]

    work(env, case, "decide", {"decision": "refuse", "reason": "消防设计未通过会签"}, LEAD)

    assert status(env, case) == "completed"
    assert open_steps(env, case) == []
