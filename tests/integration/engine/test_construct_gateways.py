"""BPMN gateways, one construct per test: exclusive, inclusive, parallel and event-based."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from support.paths import DATA
from engine import events
from engine.actors import Actor
from engine.models import MessageSubscription, TimerIndex
from engine.runtime import ProcessStepFailed
from support.engine_kit import (
    assert_survives_restart,
    complete,
    deploy_files,
    history,
    instance,
    one_ready,
    ready,
    start,
)

CONSTRUCTS = DATA / "engine" / "constructs"



def deployed(env, name: str) -> str:
    deploy_files(env, CONSTRUCTS / f"{name}.bpmn")
    return name


def ready_elements(env, instance_id: str) -> list[str]:
    return sorted(t["element_id"] for t in ready(env, instance_id))


def waiting_events(env, instance_id: str) -> dict[str, list[str]]:
    with env.unit_of_work() as uow:
        session = uow.session
        return {
            "timers": list(session.scalars(select(TimerIndex.element_id).where(TimerIndex.instance_id == instance_id))),
            "messages": list(session.scalars(select(MessageSubscription.message_name)
                                             .where(MessageSubscription.instance_id == instance_id))),
        }


# -- exclusive ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("decision", "next_steps", "status"),
    [
        ({"acceptance": "accept"}, ["review"], "running"),
        ({"acceptance": "correct", "missing": ["营业执照"]}, ["correct"], "running"),
        ({"acceptance": "correct", "missing": []}, [], "completed"),  # nothing missing after all: default
        ({"acceptance": "refuse"}, [], "completed"),  # default flow
    ],
)
def test_an_exclusive_gateway_takes_the_flow_whose_condition_holds_or_else_its_default(env, decision, next_steps,
                                                                                         status):
    case = start(env, deployed(env, "exclusive_gateway"), {"applicant": "zhang3"})
    assert_survives_restart(env, case)

    complete(env, one_ready(env, case, "accept"), decision)

    assert ready_elements(env, case) == next_steps
    assert instance(env, case)["status"] == status
    assert_survives_restart(env, case)


def test_an_exclusive_gateway_where_no_condition_holds_fails_the_step_and_stores_nothing(env):
    case = start(env, deployed(env, "exclusive_no_default"))
    assess = one_ready(env, case, "assess")
    assert_survives_restart(env, case)

    with pytest.raises(ProcessStepFailed) as failed:
        complete(env, assess, {"amount": 500})

    assert failed.value.context["element_id"] == "amount_gw"
    assert one_ready(env, case, "assess")["id"] == assess["id"]
    assert "amount" not in instance(env, case)["data"]
    assert [h["action"] for h in history(env, case)] == ["instance.started"]
    assert_survives_restart(env, case)
    complete(env, assess, {"amount": 5000})
    assert ready_elements(env, case) == ["lead_approve"]


# -- inclusive ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("concerns", "reviews"),
    [
        (["fire"], ["fire_review"]),
        (["fire", "environment"], ["environment_review", "fire_review"]),
        ([], ["basic_review"]),  # default flow
    ],
)
def test_an_inclusive_gateway_starts_every_branch_whose_condition_holds_and_joins_them(env, concerns, reviews):
    case = start(env, deployed(env, "inclusive_gateway"), {"concerns": concerns})
    assert ready_elements(env, case) == reviews
    assert_survives_restart(env, case)

    for review in ready(env, case):
        assert "decide" not in ready_elements(env, case)
        complete(env, review, {f"{review['element_id']}_ok": True})
        assert_survives_restart(env, case)

    one_ready(env, case, "decide")
    assert sorted(k for k in instance(env, case)["data"] if k.endswith("_ok")) == [f"{r}_ok" for r in reviews]


# -- parallel ---------------------------------------------------------------------
def test_a_parallel_gateway_starts_both_reviews_and_its_join_waits_for_both(env):
    case = start(env, deployed(env, "parallel_gateway"))
    assert ready_elements(env, case) == ["fire_review", "market_review"]

    complete(env, one_ready(env, case, "fire_review"), {"fire_opinion": "同意"})
    assert ready_elements(env, case) == ["market_review"]
    assert_survives_restart(env, case)
    complete(env, one_ready(env, case, "market_review"), {"market_opinion": "同意"})

    one_ready(env, case, "decide")
    data = instance(env, case)["data"]
    assert (data["fire_opinion"], data["market_opinion"]) == ("同意", "同意")


# -- event-based --------------------------------------------------------------------
def test_an_event_based_gateway_waits_for_both_events(env):
    case = start(env, deployed(env, "event_gateway"), business_key="BK-1")

    assert ready(env, case) == []
    assert waiting_events(env, case) == {"timers": ["fifteen_days"], "messages": ["fee_paid"]}
    assert_survives_restart(env, case)


def test_an_event_based_gateway_follows_the_message_when_it_comes_first(env):
    case = start(env, deployed(env, "event_gateway"), business_key="BK-1")
    assert_survives_restart(env, case)

    events.correlate_message(env.unit_of_work(), "fee_paid", {"amount": 50}, business_key="BK-1")

    assert ready_elements(env, case) == ["issue"]
    assert waiting_events(env, case) == {"timers": [], "messages": []}
    assert_survives_restart(env, case)


def test_an_event_based_gateway_follows_the_timer_when_it_fires_first(env):
    case = start(env, deployed(env, "event_gateway"), business_key="BK-1")
    assert_survives_restart(env, case)

    events.expedite_timers(env.unit_of_work(), case, actor=Actor.system("operator"))

    assert ready_elements(env, case) == ["close_unpaid"]
    assert waiting_events(env, case) == {"timers": [], "messages": []}
    assert_survives_restart(env, case)
