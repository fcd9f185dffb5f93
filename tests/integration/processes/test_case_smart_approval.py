"""Smart approval: an item's decision table decides on its own, and the case records the rule that fired."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.actors import Actor
from processes import cases, smart_approval
from processes.cases import Applicant
from support import case_kit
from support.case_kit import ITEM, at, person_id
from support.engine_kit import deploy_files, instance, one_ready
from support.paths import DATA

SMART = replace(ITEM, code="GTDJ0003", name="个体工商户登记", department="registry", promised_days=3,
                process_id="smart_registration", smart_approval=True)


@pytest.fixture
def env(db_engine):
    env = case_kit.make_env(db_engine)
    deploy_files(env, DATA / "cases" / "smart_registration.bpmn", DATA / "cases" / "smart_permit.dmn")
    yield env
    env.close()


def apply(env, **data):
    facts = {"applicant_type": "individual", "registered_capital": 300000, "prior_permit_needed": False, **data}
    return cases.open_case(env.unit_of_work(), item=SMART, applicant=Applicant("zhang3", person_id(2)),
                           channel="online", actor=Actor.of("zhang3"), now=at(2026, 10, 12, 9), data=facts)


def decisions(env, case_id):
    with env.unit_of_work() as uow:
        return smart_approval.decisions_of(uow.session, case_id)


def test_a_case_the_rules_cover_is_approved_at_once_and_the_rule_that_fired_is_recorded(env):
    case_id = apply(env)
    assert instance(env, case_id)["status"] == "completed"
    [decision] = decisions(env, case_id)
    assert (decision["element_id"], decision["table_id"], decision["hit_policy"]) == (
        "auto_check", "smart_permit_table", "FIRST")
    assert decision["rules"] == [{"id": "r_auto_approve", "row": 1,
                                  "description": "个体户、资本不超过100万、无需前置许可：自动准予"}]
    assert decision["outputs"] == {"auto_decision": "approve"}
    with env.unit_of_work() as uow:
        case = cases.get_case(uow.session, case_id)
    assert (case["outcome"], case["closed_at"]) == ("completed", at(2026, 10, 12, 9))


def test_a_case_the_rules_do_not_cover_goes_to_a_person_with_the_fallback_rule_recorded(env):
    case_id = apply(env, registered_capital=5000000)
    assert one_ready(env, case_id, "manual_review")["candidate_groups"] == ["registry"]
    [decision] = decisions(env, case_id)
    assert [r["id"] for r in decision["rules"]] == ["r_manual"]
    assert decision["outputs"] == {"auto_decision": "manual"}


def test_recording_again_adds_nothing(env):
    case_id = apply(env)
    with env.unit_of_work() as uow:
        assert smart_approval.record_decisions(uow, case_id, now=at(2026, 10, 12, 10)) == 0
    assert len(decisions(env, case_id)) == 1
