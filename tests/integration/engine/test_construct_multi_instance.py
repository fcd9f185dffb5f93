"""Multi-instance activities: 会签 (all agree), 或签 (any one), one-vote veto, sequential, by cardinality,
on user tasks and on embedded subprocesses."""

from __future__ import annotations

import pytest

from support.paths import DATA
from engine import queries
from engine.actors import Actor
from engine.errors import NotAllowed, TaskNotReady
from engine.runtime import ProcessStepFailed
from support.engine_kit import (
    assert_survives_restart,
    complete,
    deploy_files,
    instance,
    ready,
    start,
)

CONSTRUCTS = DATA / "engine" / "constructs"
DEPARTMENTS = ["market", "fire", "environment"]
AGREE, REFUSE = {"approved": True}, {"approved": False}


def deployed(env, name: str) -> str:
    deploy_files(env, CONSTRUCTS / f"{name}.bpmn")
    return name


def ready_elements(env, instance_id: str) -> list[str]:
    return sorted(t["element_id"] for t in ready(env, instance_id))


def child_for(env, instance_id: str, element_id: str, department: str) -> dict:
    [task] = [t for t in ready(env, instance_id, element_id) if t["loop_item"] == department]
    return task


def queue(env, group: str) -> list[str]:
    with env.unit_of_work() as uow:
        return [t["element_id"] for t in queries.list_tasks(uow, queries.TaskFilter(group=group))]


def review_states(env, instance_id: str) -> dict[str, str]:
    with env.unit_of_work() as uow:
        tasks = queries.list_tasks(uow, queries.TaskFilter(state=None, instance_id=instance_id, limit=1000))
    return {t["loop_item"]: t["state"] for t in tasks if t["element_id"] == "review"}


# -- parallel on user tasks ---------------------------------------------------------------
def test_a_countersign_offers_one_review_to_each_department_in_its_own_queue(env):
    case = start(env, deployed(env, "mi_countersign"), {"departments": DEPARTMENTS})

    reviews = ready(env, case, "review")
    assert sorted((t["loop_item"], tuple(t["candidate_groups"])) for t in reviews) == sorted(
        (d, (d,)) for d in DEPARTMENTS)
    assert {d: queue(env, d) for d in DEPARTMENTS} == {d: ["review"] for d in DEPARTMENTS}
    assert_survives_restart(env, case)
    with pytest.raises(NotAllowed):
        complete(env, child_for(env, case, "review", "fire"), {"opinion": AGREE}, Actor.of("m1", "market"))


def test_a_countersign_without_completion_condition_waits_for_every_department(env):
    case = start(env, deployed(env, "mi_countersign"), {"departments": DEPARTMENTS})

    for department in DEPARTMENTS:
        assert "decide" not in ready_elements(env, case)
        complete(env, child_for(env, case, "review", department), {"opinion": {"approved": True, "by": department}},
                 Actor.of(f"{department}1", department))
        assert_survives_restart(env, case)

    assert ready_elements(env, case) == ["decide"]
    assert instance(env, case)["data"]["opinions"] == [{"approved": True, "by": d} for d in DEPARTMENTS]


def test_an_any_one_signature_ends_at_the_first_review_and_withdraws_the_others(env):
    case = start(env, deployed(env, "mi_any_one"), {"departments": DEPARTMENTS})
    others = [child_for(env, case, "review", d) for d in ("market", "environment")]
    assert_survives_restart(env, case)

    complete(env, child_for(env, case, "review", "fire"), {"opinion": AGREE})

    assert ready_elements(env, case) == ["decide"]
    assert review_states(env, case) == {"fire": "completed", "market": "cancelled", "environment": "cancelled"}
    assert queue(env, "market") == queue(env, "environment") == []
    assert instance(env, case)["data"]["opinions"] == [AGREE]
    with pytest.raises(TaskNotReady):
        complete(env, others[0], {"opinion": AGREE})
    assert_survives_restart(env, case)


@pytest.mark.parametrize(
    ("opinions", "open_reviews_after_first"),
    [
        ([AGREE, AGREE, AGREE], ["environment", "market"]),
        ([REFUSE], []),
    ],
    ids=["all_agree", "fire_refuses"],
)
def test_a_one_vote_veto_countersign_ends_at_the_first_refusal(env, opinions, open_reviews_after_first):
    case = start(env, deployed(env, "mi_veto"), {"departments": DEPARTMENTS})

    complete(env, child_for(env, case, "review", "fire"), {"opinion": opinions[0]})
    assert sorted(t["loop_item"] for t in ready(env, case, "review")) == open_reviews_after_first
    assert_survives_restart(env, case)
    for department, opinion in zip(open_reviews_after_first, opinions[1:]):
        complete(env, child_for(env, case, "review", department), {"opinion": opinion})

    assert ready_elements(env, case) == ["decide"]
    assert instance(env, case)["data"]["opinions"] == opinions


# -- sequential and by cardinality --------------------------------------------------------
def test_a_sequential_countersign_offers_one_review_at_a_time_in_list_order(env):
    case = start(env, deployed(env, "mi_sequential"), {"departments": DEPARTMENTS})

    for department in DEPARTMENTS:
        [review] = ready(env, case)
        assert (review["element_id"], review["loop_item"], review["candidate_groups"]) == (
            "review", department, [department])
        assert_survives_restart(env, case)
        complete(env, review, {"opinion": {"by": department}})

    assert ready_elements(env, case) == ["decide"]
    assert instance(env, case)["data"]["opinions"] == [{"by": d} for d in DEPARTMENTS]


@pytest.mark.parametrize(("process_id", "open_at_once"), [("mi_cardinality_parallel", 3),
                                                           ("mi_cardinality_sequential", 1)])
def test_a_multi_instance_by_cardinality_runs_as_many_times_as_it_counts(env, process_id, open_at_once):
    case = start(env, deployed(env, process_id), {"copies": 3})

    done = 0
    while ready(env, case, "stamp"):
        assert len(ready(env, case, "stamp")) == min(open_at_once, 3 - done)
        assert_survives_restart(env, case)
        complete(env, ready(env, case, "stamp")[0])
        done += 1

    assert done == 3
    assert ready_elements(env, case) == ["deliver"]


# -- on embedded subprocesses ----------------------------------------------------------------
def test_a_parallel_multi_instance_subprocess_runs_a_check_and_sign_off_per_department(env):
    case = start(env, deployed(env, "mi_subprocess_parallel"), {"departments": DEPARTMENTS})
    assert sorted(t["candidate_groups"] for t in ready(env, case, "check")) == sorted([d] for d in DEPARTMENTS)
    assert_survives_restart(env, case)

    complete(env, child_by_group(env, case, "check", "fire"))
    assert [t["candidate_groups"] for t in ready(env, case, "sign_off")] == [["fire_head"]]
    assert_survives_restart(env, case)
    for department in ("market", "environment"):
        complete(env, child_by_group(env, case, "check", department))
    for department in DEPARTMENTS:
        assert "decide" not in ready_elements(env, case)
        complete(env, child_by_group(env, case, "sign_off", f"{department}_head"), {"opinion": department})

    assert ready_elements(env, case) == ["decide"]
    assert sorted(instance(env, case)["data"]["opinions"]) == sorted(DEPARTMENTS)


def test_tasks_inside_a_multi_instance_subprocess_show_the_item_their_child_works_on(env):
    case = start(env, deployed(env, "mi_subprocess_parallel"), {"departments": DEPARTMENTS})
    assert_survives_restart(env, case)

    assert {t["loop_item"] for t in ready(env, case, "check")} == set(DEPARTMENTS)


def test_a_sequential_multi_instance_subprocess_finishes_one_department_before_the_next(env):
    case = start(env, deployed(env, "mi_subprocess_sequential"), {"departments": DEPARTMENTS})

    for department in DEPARTMENTS:
        [check] = ready(env, case)
        assert (check["element_id"], check["candidate_groups"]) == ("check", [department])
        complete(env, check)
        assert_survives_restart(env, case)
        [sign_off] = ready(env, case)
        assert (sign_off["element_id"], sign_off["candidate_groups"]) == ("sign_off", [f"{department}_head"])
        complete(env, sign_off, {"opinion": department})

    assert ready_elements(env, case) == ["decide"]
    assert instance(env, case)["data"]["opinions"] == DEPARTMENTS


def child_by_group(env, instance_id: str, element_id: str, group: str) -> dict:
    [task] = [t for t in ready(env, instance_id, element_id) if t["candidate_groups"] == [group]]
    return task


# -- a collection missing from the data -----------------------------------------------------
@pytest.mark.parametrize("process_id", ["mi_countersign", "mi_sequential"])
@pytest.mark.parametrize(("data", "what"), [({}, "is not in the case data"), ({"departments": 3}, "is a int, not a list")])
def test_a_start_without_the_collection_is_refused_naming_the_element_and_the_variable(env, process_id, data, what):
    with pytest.raises(ProcessStepFailed) as refused:
        start(env, deployed(env, process_id), data)
    assert refused.value.context["element_id"] == "review"
    assert f"the collection 'departments' this multi-instance activity works through {what}" in refused.value.message
    with env.unit_of_work() as uow:
        assert queries.list_instances(uow) == []
