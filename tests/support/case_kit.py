"""Helpers for the case tests: the one-window example with its forms, worked as the roles would."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from stdnum.cn import ric

from engine.actors import Actor
from engine.calendar import CST
from engine.config import EngineConfig
from engine.environment import EngineEnv
from forms.binding import FormBinding
from forms.store import publish_form
from processes import cases
from processes.cases import Applicant, ItemRef
from support.engine_kit import deploy_files, one_ready, ready
from support.paths import EXAMPLES

EXAMPLE = EXAMPLES / "one_window_approval"
ITEM = ItemRef(code="SPJY0001", version=1, name="食品经营许可", department="market", region_code="320505",
               promised_days=5, process_id="one_window_approval")
CLERK = Actor.of("clerk1", "window")
LEAD = Actor.of("lead1", "lead")


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment on the hall's clock (China Standard Time)."""
    return datetime(year, month, day, hour, minute, tzinfo=CST)


def person_id(sequence: int = 2) -> str:
    body = f"11010519491231{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_env(db_engine) -> EngineEnv:
    """An engine with the example's forms published and bound, and its process deployed."""
    env = EngineEnv(EngineConfig(), db_engine=db_engine, forms=FormBinding())
    for path in sorted((EXAMPLE / "forms").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        with env.unit_of_work() as uow:
            publish_form(uow.session, path.stem, document["schema"], document.get("ui_schema"))
            uow.commit()
    deploy_files(env, EXAMPLE / "one_window_approval.bpmn")
    return env


def application(user: str = "zhang3", sequence: int = 2, **changes: Any) -> dict[str, Any]:
    return {"applicant": user, "applicant_name": "张三", "id_number": person_id(sequence),
            "mobile": "13800138000", "departments": ["market", "fire"], **changes}


def open_online(env, now: datetime, *, user: str = "zhang3", sequence: int = 2, item: ItemRef = ITEM,
                channel: str = "online") -> str:
    return cases.open_case(env.unit_of_work(), item=item, applicant=Applicant(user, person_id(sequence)),
                           channel=channel, actor=Actor.of(user), now=now,
                           data=application(user, sequence))


def open_at_window(env, now: datetime, *, user: str = "li4", sequence: int = 3, item: ItemRef = ITEM) -> str:
    return cases.open_case(env.unit_of_work(), item=item, applicant=Applicant(user, person_id(sequence)),
                           channel="window", window="window", actor=CLERK, now=now,
                           data=application(user, sequence))


def step(env, case_id: str, element_id: str, data: dict[str, Any], actor: Actor, now: datetime,
         **kwargs: Any) -> None:
    cases.complete_step(env.unit_of_work(), case_id, one_ready(env, case_id, element_id)["id"], data,
                        actor=actor, now=now, **kwargs)


def accept_and_review(env, case_id: str, now: datetime, *, approve: bool = True) -> None:
    """The window accepts, every department agrees (or the first one vetoes)."""
    step(env, case_id, "accept", {"acceptance": "accept"}, CLERK, now)
    reviews = {task["loop_item"]: task for task in ready(env, case_id, "review")}
    for department in application()["departments"]:  # in a fixed order: market, then fire
        cases.complete_step(env.unit_of_work(), case_id, reviews[department]["id"],
                            {"opinion": {"approved": approve}}, actor=Actor.of(f"{department}1", department),
                            now=now)
        if not approve:
            break


def approve(env, case_id: str, now: datetime) -> None:
    """Accepted, reviewed and approved; the result waits at the window ("issue")."""
    accept_and_review(env, case_id, now)
    step(env, case_id, "decide", {"decision": "approve"}, LEAD, now)


def finish(env, case_id: str, now: datetime) -> None:
    """The window hands the result out: the case ends."""
    step(env, case_id, "issue", {"delivery": "window"}, Actor.of("clerk2", "window"), now, outcome="approved")
