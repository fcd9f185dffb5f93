"""User tasks and starts refuse data that fails their form; a case keeps its form versions."""

from __future__ import annotations

import json

import pytest
from stdnum.cn import ric

from engine.actors import Actor
from engine.config import EngineConfig
from engine.environment import EngineEnv
from engine.errors import InvalidData
from forms.binding import FormBinding
from forms.store import publish_form
from support.engine_kit import complete, deploy_files, instance, one_ready, ready, start
from support.paths import EXAMPLES

EXAMPLE = EXAMPLES / "one_window_approval"


def valid_id() -> str:
    body = "11010519491231002"
    return body + ric.calc_check_digit(body + "0")  # stdnum ignores the last character


def publish(env, key: str, document: dict | None = None) -> None:
    document = document or json.loads((EXAMPLE / "forms" / f"{key}.json").read_text(encoding="utf-8"))
    with env.unit_of_work() as uow:
        publish_form(uow.session, key, document["schema"], document.get("ui_schema"))
        uow.commit()


@pytest.fixture
def env(db_engine):
    env = EngineEnv(EngineConfig(), db_engine=db_engine, forms=FormBinding())
    for path in sorted((EXAMPLE / "forms").glob("*.json")):
        publish(env, path.stem)
    deploy_files(env, EXAMPLE / "one_window_approval.bpmn")
    yield env
    env.close()


def application(**changes):
    return {"applicant": "zhang3", "applicant_name": "张三", "id_number": valid_id(),
            "mobile": "13800138000", "departments": ["market", "fire"], **changes}


def test_an_application_with_several_problems_is_refused_listing_them_all(env):
    with pytest.raises(InvalidData) as refused:
        start(env, "one_window_approval", application(id_number="110105194912310021", mobile="12345",
                                                      applicant_name=None))
    pointers = {e["pointer"] for e in refused.value.errors}
    assert pointers == {"/id_number", "/mobile", "/applicant_name"}
    assert any("身份证" in e["message"] for e in refused.value.errors)
    with env.unit_of_work() as uow:
        from engine import queries
        assert queries.list_instances(uow) == []


def test_a_step_cannot_set_fields_its_form_does_not_declare(env):
    case = start(env, "one_window_approval", application())
    accept = one_ready(env, case, "accept")
    with pytest.raises(InvalidData) as refused:
        complete(env, accept, {"acceptance": "accept", "decision": "approve"}, Actor.of("c", "window"))
    assert [e["pointer"] for e in refused.value.errors] == ["/decision"]
    assert one_ready(env, case, "accept")["id"] == accept["id"]  # nothing happened


def test_a_valid_submission_is_kept_under_its_step_and_drives_the_process(env):
    case = start(env, "one_window_approval", application())
    submission = {"acceptance": "correct", "deficiencies": ["营业执照复印件不清晰"]}
    complete(env, one_ready(env, case, "accept"), submission, Actor.of("c", "window"))
    assert instance(env, case)["data"]["tasks"] == {"accept": submission}
    one_ready(env, case, "correct")


def test_a_case_keeps_the_form_version_it_started_with(env):
    old_case = start(env, "one_window_approval", application(departments=["market"]))
    stricter = json.loads((EXAMPLE / "forms" / "department_opinion.json").read_text(encoding="utf-8"))
    stricter["schema"]["properties"]["opinion"]["required"] = ["approved", "comment"]
    publish(env, "department_opinion", stricter)
    new_case = start(env, "one_window_approval", application(departments=["market"]))
    for case in (old_case, new_case):
        complete(env, one_ready(env, case, "accept"), {"acceptance": "accept"})

    complete(env, one_ready(env, old_case, "review"), {"opinion": {"approved": True}})
    with pytest.raises(InvalidData) as refused:
        complete(env, one_ready(env, new_case, "review"), {"opinion": {"approved": True}})
    assert [e["pointer"] for e in refused.value.errors] == ["/opinion/comment"]
    assert ready(env, old_case)[0]["element_id"] == "decide"
