"""高龄津贴 (smart approval): the decision table accepts and decides; only the unclear case goes to a person."""

from __future__ import annotations

import pytest

from engine.actors import Actor
from engine.errors import InvalidData
from items_kit import (
    ELDERLY,
    apply,
    born_years_ago,
    data,
    forms_bound_env,
    licence,
    open_steps,
    publish,
    status,
    upload,
    work,
)
from support.engine_kit import assert_survives_restart

CODE = "340503-XZGF-GLJT-001"
OFFICER = Actor.of("wang.min", "civil_affairs")


@pytest.fixture
def env(db_engine):
    with forms_bound_env(db_engine) as env:
        publish(env, ELDERLY)
        yield env


def application(age: int, *, local: bool = True, years: int = 30, **changes) -> dict:
    return {
        "applicant": "li.gp", "name": "李桂萍", "id_number": born_years_ago(age), "mobile": "13905550123",
        "local_hukou": local, "residence_years": years,
        "id_card": licence("CN-RESIDENT-ID", "340503-0001"),
        "household_register": licence("CN-HOUSEHOLD-REGISTER", "HS-2019-0421"),
        "bank_card": upload("社保卡.jpg", "jpeg"),
        **changes,
    }


@pytest.mark.parametrize(("age", "amount"), [(101, 500), (92, 300), (83, 200)])
def test_a_local_elder_is_approved_by_the_rules_at_once_with_the_amount_for_the_age(env, age, amount):
    case = apply(env, CODE, application(age), applicant="li.gp")

    assert status(env, case) == "completed"
    assert open_steps(env, case) == []
    assert data(env, case)["route"] == "approve"
    assert data(env, case)["monthly_amount"] == amount


def test_someone_under_eighty_is_refused_by_the_rules_without_anyone_working_on_it(env):
    case = apply(env, CODE, application(75), applicant="li.gp")

    assert status(env, case) == "completed"
    assert data(env, case)["route"] == "refuse"


def test_a_long_time_resident_without_local_registration_goes_to_an_officer_who_approves(env):
    submission = application(88, local=False, years=7,
                             residence_permit=licence("AH-RESIDENCE-PERMIT", "340503-JZ-2017-889"))
    case = apply(env, CODE, submission, applicant="li.gp")
    assert open_steps(env, case) == ["manual_review"]
    assert_survives_restart(env, case)

    work(env, case, "manual_review", {"review_decision": "approve", "monthly_amount": 200}, OFFICER)

    assert status(env, case) == "completed"
    assert data(env, case)["monthly_amount"] == 200


def test_an_application_missing_a_required_material_is_not_started(env):
    submission = application(92)
    del submission["bank_card"]

    with pytest.raises(InvalidData) as refused:
        apply(env, CODE, submission, applicant="li.gp")

    assert [e["pointer"] for e in refused.value.errors] == ["/bank_card"]
