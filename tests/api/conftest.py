"""Fixtures for API tests: an app on the test database, users with roles and groups, clients.

``as_user("clerk1")`` gives a client logged in through a browser session (cookie and
CSRF header); ``with_token("integrator1", ["deploy"])`` one that sends a bearer token.
The organisation mirrors the one-window example: a window, three departments and a
lead, in a city inside a province.
"""

from __future__ import annotations

import pytest

import api.models  # noqa: F401 - registers the tables before the database is created
import forms.models  # noqa: F401
from api_kit import BPMN, EXAMPLE, PASSWORD, START, ApiClient, FixedClock, login
from support import second_factor
from support.limits import UNTHROTTLED

PEOPLE = {
    "sec": (["security_admin"], []),
    "designer1": (["designer"], []),
    "clerk1": (["clerk"], ["window"]),
    "clerk2": (["clerk"], ["window"]),
    "market1": (["approver"], ["market"]),
    "market2": (["approver"], ["market"]),
    "fire1": (["approver"], ["fire"]),
    "env1": (["approver"], ["environment"]),
    "lead1": (["approver"], ["lead"]),
    "super1": (["supervisor"], []),
    "auditor1": (["auditor"], []),
    "admin1": (["admin"], []),
    "zhang3": (["applicant"], []),
    "li4": (["applicant"], []),
    "integrator1": (["integrator"], []),
}


@pytest.fixture
def app(db_engine, tmp_path):
    from api.app import create_app
    from engine.config import EngineConfig

    url = db_engine.url.render_as_string(hide_password=False)
    second_factor.forget_all()  # a new database: its administrators have not enrolled yet
    app = create_app({
        "ENGINE": EngineConfig(database_url=url, jobs="inline"),
        "DB_ENGINE": db_engine,
        "SECRET_KEY": "test-secret-" + "x" * 40,
        "TESTING": True,
        "COOKIE_SECURE": "false",  # tests talk plain HTTP to 127.0.0.1
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_KIB": 1024,
        "MATERIALS_DIR": str(tmp_path / "materials"),  # uploads stay out of the source tree
        **UNTHROTTLED,  # tests sign many people in from 127.0.0.1; the limits' own tests set theirs
    })
    from api import case_settings
    from processes.case_config import CaseConfig

    app.extensions[case_settings.CONFIG] = CaseConfig(public_base_url="https://zwfw.example.gov.cn",
                                                      licence_key_file=str(tmp_path / "licence-key.pem"))
    import case_api_kit

    case_api_kit.MATERIALS.update(dir=app.config["MATERIALS_DIR"], env=app.extensions["yiwang"])
    yield app
    case_api_kit.MATERIALS.update(dir=None, env=None)
    app.extensions["yiwang"].dispatcher.close()


@pytest.fixture
def clock(app):
    """The app's clock, set by the test (China Standard Time): ``clock.set(2026, 10, 11, 9)``."""
    from api import case_settings

    fixed = FixedClock()
    app.extensions[case_settings.CLOCK] = fixed
    return fixed


@pytest.fixture
def env(app):
    return app.extensions["yiwang"]


@pytest.fixture
def organisation(env):
    """Regions, groups and every person of :data:`PEOPLE`."""
    from api import accounts

    accounts.create_region(env.unit_of_work(), "320000", name="江苏省", level="province")
    accounts.create_region(env.unit_of_work(), "320500", name="苏州市", level="city", parent_code="320000")
    for name, kind in (("window", "window"), ("market", "department"), ("fire", "department"),
                       ("environment", "department"), ("lead", "department")):
        accounts.create_group(env.unit_of_work(), name, kind=kind, region_code="320500")
    ids = {}
    for username, (roles, groups) in PEOPLE.items():
        ids[username] = accounts.create_user(env.unit_of_work(), username, password=PASSWORD, roles=roles,
                                             groups=groups, min_length=12)
    return ids


@pytest.fixture
def as_user(app, organisation):
    def as_(username: str, password: str = PASSWORD) -> ApiClient:
        return login(app, username, password)

    return as_


@pytest.fixture
def demo(env):
    """The demo installation: the example items and the demo organisation (``yiwang demo``)."""
    from api import demo

    return demo.seed(env)


@pytest.fixture
def as_demo(app, demo):
    """A client logged in as a demo user (see api/demo.py)."""
    from api.demo import PASSWORD as DEMO_PASSWORD

    for username, secret in demo.authenticators.items():  # printed by `yiwang demo`
        second_factor.remember(username, secret)
    return lambda username: login(app, username, DEMO_PASSWORD)


@pytest.fixture
def with_token(app, env, organisation):
    from api import credentials

    def make(username: str, scopes) -> ApiClient:
        _, raw = credentials.create_token(env.unit_of_work(), organisation[username], name="test", scopes=scopes)
        return ApiClient(app.test_client(), {"Authorization": f"Bearer {raw}"})

    return make


@pytest.fixture
def grant_processes(env, organisation):
    """``grant_processes("integrator1", "payment_wait")``: the security administrator's grant that lets
    a connected system's messages reach those processes' cases."""
    from api import grants

    return lambda username, *process_ids: grants.set_process_grants(env.unit_of_work(), organisation[username],
                                                                    process_ids)


@pytest.fixture
def deployed(as_user):
    """The one-window example deployed by a designer: its forms first, then its BPMN."""
    designer = as_user("designer1")
    for path in sorted((EXAMPLE / "forms").glob("*.json")):
        response = designer.post(f"/api/v1/forms/{path.stem}", data=path.read_bytes(),
                                 content_type="application/json")
        assert response.status_code == 201, response.get_json()
    response = designer.post("/api/v1/definitions", data=BPMN.read_bytes(), content_type="application/xml",
                             query_string={"filename": BPMN.name})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["processes"][0]


@pytest.fixture
def start_case(as_user, deployed):
    """Start a case at the window for an applicant; returns the case view."""

    def start(applicant: str = "zhang3", *, by: str = "clerk1", data: dict | None = None, **extra) -> dict:
        client = as_user(by)
        body = {"process_id": "one_window_approval", "data": data or {**START, "applicant": applicant},
                "applicant": applicant, **extra}
        response = client.post("/api/v1/instances", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return start
