"""No passwords, tokens, session cookies, full ID numbers or credit codes in the logs, even at DEBUG.

Every logger (the root, Flask's, werkzeug, SQLAlchemy's engine, pool and ORM, rq,
gunicorn and this project's) is turned to DEBUG while a whole case runs through the
API: logins (one with a wrong password), an API token created and used (and a forged
one refused), a company's case opened and worked, a 4xx for a body full of
identifiers, and a 500 from a use case whose error message quotes them.
"""

from __future__ import annotations

import logging

import pytest

from api import task_work
from api.auth import SESSION_COOKIE
from case_api_kit import COMPANY_CODE, PERMIT, complete, ok, open_case, permit_application, resident_id

LEGAL_REP_ID = resident_id("340500", "19720304", "017")
WRONG_PASSWORD = "Not-The-Password-42"
FINDINGS = f"现场与图纸一致；法定代表人 {LEGAL_REP_ID}，统一社会信用代码 {COMPANY_CODE}"


class Captured(logging.Handler):
    """Keeps every record as the standard formatter would write it (message and traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def all_logs(demo):
    """DEBUG on every logger from here on (after the demo installation is seeded)."""
    names = ["", "werkzeug", "flask", "sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool", "sqlalchemy.orm",
             "gunicorn", "gunicorn.error", "gunicorn.access", "rq", "api", "engine", "processes", "forms",
             *logging.root.manager.loggerDict]
    loggers = {logging.getLogger(n) for n in names}
    saved = {lg: (lg.level, lg.disabled) for lg in loggers}
    handler = Captured()
    logging.root.addHandler(handler)
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
    yield handler
    logging.root.removeHandler(handler)
    for lg, (level, disabled) in saved.items():
        lg.setLevel(level)
        lg.disabled = disabled


def log_in_and_use_a_token(app, as_demo) -> dict[str, str]:
    """Logins (one refused), a token created and used, a forged one refused; returns what must stay secret."""
    from api.demo import PASSWORD

    refused = app.test_client().post("/api/v1/session", json={"username": "clerk", "password": WRONG_PASSWORD})
    assert refused.status_code == 401
    secrets = {"password": PASSWORD, "wrong password": WRONG_PASSWORD}
    clients = {who: as_demo(who) for who in ("company", "clerk")}
    for who, client in clients.items():
        secrets[f"{who}'s session cookie"] = client.client.get_cookie(SESSION_COOKIE).value
        secrets[f"{who}'s CSRF token"] = client.headers["X-CSRF-Token"]
    token = ok(clients["clerk"].post("/api/v1/tokens", json={"name": "部门系统对接", "scopes": ["read"]}), 201)["token"]
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    for raw, status in ((token, 200), (forged, 401)):
        assert app.test_client().get("/api/v1/instances", headers={"Authorization": f"Bearer {raw}"}).status_code \
            == status
    return {**secrets, "API token": token, "forged token": forged}


def work_a_company_case(env, as_demo) -> str:
    """A company's case, read back and worked as on other server processes (rows read from the database)."""
    company, clerk = as_demo("company"), as_demo("clerk")
    case_id = open_case(company, PERMIT, permit_application(legal_rep_id=LEGAL_REP_ID), id_number=COMPANY_CODE,
                        kind="company")["case_id"]
    env.instances.clear()
    complete(clerk, case_id, "accept", {"acceptance": "accept", "inspection_departments": ["fire"],
                                        "countersign_departments": ["fire"]})
    env.instances.clear()
    assert ok(company.get(f"/api/v1/cases/{case_id}"))["case_id"] == case_id
    # an inspector's note quoting the identifiers: it ends up in the case data (and its rows)
    complete(as_demo("fire.officer"), case_id, "inspect", {"inspection": {"site_matches": True, "findings": FINDINGS}})
    env.instances.clear()
    assert ok(clerk.get(f"/api/v1/instances/{case_id}"))["id"] == case_id
    # 4xx: a body that does not fit its schema, and one that is no JSON at all, both quoting identifiers
    bad = company.post("/api/v1/cases", json={"item_code": PERMIT, "applicant": {"id_number": LEGAL_REP_ID},
                                              "data": 7, "uscc": COMPANY_CODE})
    assert bad.status_code == 422
    broken = company.post("/api/v1/cases", data=f'{{"applicant": {{"id_number": "{LEGAL_REP_ID}", "uscc": '
                          f'"{COMPANY_CODE}"', content_type="application/json")
    assert broken.status_code == 400
    return case_id


def test_the_logs_hold_no_passwords_tokens_cookies_or_full_identifiers(app, env, as_demo, all_logs, monkeypatch):
    secrets = {**log_in_and_use_a_token(app, as_demo), "ID number": LEGAL_REP_ID, "credit code": COMPANY_CODE}
    work_a_company_case(env, as_demo)

    # 500: a use case fails with a message quoting the data it was given (as KeyError, int() ... do)
    def broken_use_case(uow, task_id, data, **_):
        raise LookupError(f"no licence template for {data!r}")

    monkeypatch.setattr(task_work, "complete", broken_use_case)
    expert = as_demo("expert")
    review = ok(expert.get("/api/v1/tasks"))["items"][0]
    failed = expert.post(f"/api/v1/tasks/{review['id']}/complete",
                         json={"data": {"expert_conclusion": "pass", "note": FINDINGS}})
    assert failed.status_code == 500

    logged = all_logs.lines
    assert any("unhandled error" in line for line in logged)  # the 500 was logged, with its traceback
    assert any(" Col (" in line for line in logged)  # and SQLAlchemy's DEBUG output was captured
    leaks = [(what, line.split(" ", 1)[0]) for line in logged for what, value in secrets.items() if value in line]
    assert leaks == [], f"found in the logs (secret, logger): {sorted(set(leaks))}"
