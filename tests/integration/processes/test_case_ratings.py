"""Ratings (好差评): only the applicant, once, after the case ends; poor ones go to supervisors."""

from __future__ import annotations

import pytest

from engine.actors import Actor
from processes import ratings
from processes.case_errors import CaseInvalid, CaseNotAllowed, CaseStateError
from support import case_kit
from support.case_kit import approve, at, finish, open_online

APPLICANT = Actor.of("zhang3")


@pytest.fixture
def env(db_engine):
    env = case_kit.make_env(db_engine)
    yield env
    env.close()


@pytest.fixture
def approved(env):
    case_id = open_online(env, at(2026, 9, 28, 10))
    approve(env, case_id, at(2026, 10, 8, 10))
    return case_id


def rate(env, case_id, score, comment=None, actor=APPLICANT):
    return ratings.rate_case(env.unit_of_work(), case_id, score, comment, actor=actor, now=at(2026, 10, 12))


def test_a_poor_rating_is_flagged_with_the_step_and_handler_that_last_handled_the_case(env, approved):
    with pytest.raises(CaseStateError):
        rate(env, approved, 2)  # not finished yet
    finish(env, approved, at(2026, 10, 9, 10))
    with pytest.raises(CaseNotAllowed):
        rate(env, approved, 1, actor=Actor.of("clerk2", "window"))

    assert rate(env, approved, 2, "出件窗口排队两小时") is True
    with pytest.raises(CaseStateError):
        rate(env, approved, 5)  # once only

    with env.unit_of_work() as uow:
        [flag] = ratings.flagged_ratings(uow.session, department="market")
    assert (flag["score"], flag["comment"]) == (2, "出件窗口排队两小时")
    assert (flag["handled_element_id"], flag["handler"]) == ("issue", "clerk2")
    assert [(s["element_id"], s["handler"]) for s in flag["steps"]] == [
        ("accept", "clerk1"), ("review", "market1"), ("review", "fire1"), ("decide", "lead1"), ("issue", "clerk2")]

    ratings.follow_up(env.unit_of_work(), approved, "已约谈窗口负责人，增设取件窗口", actor=Actor.of("chief1"),
                      now=at(2026, 10, 13))
    with env.unit_of_work() as uow:
        assert ratings.flagged_ratings(uow.session) == []
        [done] = ratings.flagged_ratings(uow.session, open_only=False)
    assert done["follow_up"] == "已约谈窗口负责人，增设取件窗口"


@pytest.mark.parametrize(("score", "flagged"), [(1, True), (2, True), (3, False), (5, False)])
def test_ratings_of_two_or_less_are_flagged(env, approved, score, flagged):
    finish(env, approved, at(2026, 10, 9, 10))
    assert rate(env, approved, score) is flagged
    with env.unit_of_work() as uow:
        assert len(ratings.flagged_ratings(uow.session)) == int(flagged)


@pytest.mark.parametrize("score", [0, 6, True, "5"])
def test_a_rating_is_a_whole_number_from_one_to_five(env, approved, score):
    finish(env, approved, at(2026, 10, 9, 10))
    with pytest.raises(CaseInvalid):
        rate(env, approved, score)
