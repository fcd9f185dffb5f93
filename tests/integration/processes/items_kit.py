"""Helpers for the service item tests: an engine with forms bound, example bundles, identity numbers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from stdnum.cn import ric, uscc

from engine import runtime
from engine.actors import Actor
from engine.config import EngineConfig
from engine.environment import EngineEnv
from forms.binding import FormBinding
from processes import bundles, catalogue
from processes.bundle_files import Bundle
from support.engine_kit import complete, instance, one_ready, ready
from support.paths import EXAMPLES

ELDERLY = EXAMPLES / "elderly_allowance"
STARTUP = EXAMPLES / "business_startup"
REAL_ESTATE = EXAMPLES / "real_estate_transfer"
PERMIT = EXAMPLES / "industrial_construction_permit"
ALL_EXAMPLES = (ELDERLY, STARTUP, REAL_ESTATE, PERMIT)


@contextmanager
def forms_bound_env(db_engine) -> Iterator[EngineEnv]:
    """An engine whose steps are checked against published forms, as in production."""
    env = EngineEnv(EngineConfig(), db_engine=db_engine, forms=FormBinding())
    try:
        yield env
    finally:
        env.close()


def load(example) -> Bundle:
    return bundles.load_bundle(example)


def publish(env, example, **kwargs) -> bundles.ImportResult:
    return bundles.import_bundle(env.unit_of_work(), load(example), **kwargs)


def apply(env, code: str, submission: dict[str, Any], *, applicant: str, business_key: str | None = None) -> str:
    """Start a case of the item's pinned process, as the applicant; returns the instance id."""
    with env.unit_of_work() as uow:
        start = catalogue.prepare_case(uow.session, code, submission, applicant=applicant)
    return runtime.start_instance(env.unit_of_work(), definition_id=start.definition_id, data=start.data,
                                  business_key=business_key, actor=Actor.of(applicant),
                                  form_versions=start.form_versions)


def work(env, case: str, element_id: str, data: dict[str, Any], actor: Actor) -> None:
    """The one ready task of this step, completed by ``actor`` (who must be allowed to)."""
    complete(env, one_ready(env, case, element_id), data, actor)


def status(env, case: str) -> str:
    return instance(env, case)["status"]


def data(env, case: str) -> dict[str, Any]:
    return instance(env, case)["data"]


def open_steps(env, case: str) -> list[str]:
    return sorted(t["element_id"] for t in ready(env, case))


# -- identity numbers and materials ------------------------------------------------------
def resident_id(region: str = "340503", birth: str = "19850312", sequence: str = "123") -> str:
    base = region + birth + sequence
    return base + ric.calc_check_digit(base + "0")  # stdnum ignores the last character


def born_years_ago(years: int, region: str = "340503") -> str:
    """A resident ID of someone who turns ``years`` this calendar year (the rules use the birth year)."""
    return resident_id(region, f"{date.today().year - years}0101", "021")


def credit_code(region: str = "340500", organisation: str = "MA2T8K3L9") -> str:
    base = "91" + region + organisation
    return base + uscc.calc_check_digit(base)


def licence(licence_type: str, number: str) -> dict[str, str]:
    return {"source": "licence", "licence_type": licence_type, "licence_number": number}


def upload(name: str, fmt: str = "pdf") -> dict[str, Any]:
    media = {"pdf": "application/pdf", "ofd": "application/ofd", "jpeg": "image/jpeg", "png": "image/png"}[fmt]
    return {"source": "upload", "sha256": "ab" * 32, "size": 20480, "format": fmt, "media_type": media, "name": name}
