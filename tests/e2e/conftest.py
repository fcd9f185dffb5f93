"""Fixtures for the browser tests: the real app served on 127.0.0.1, Debian's Chromium driven by Playwright.

No browser is ever downloaded: Chromium comes from the system package (``apt-get install chromium
fonts-wqy-microhei``); without it, or without the ``playwright`` package, these tests are skipped.
Screenshots of every main screen go to ``tests/e2e/screenshots/`` for review.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from e2e_kit import PASSWORD, pass_second_factor
from support import second_factor
from support.limits import UNTHROTTLED

CHROMIUM = os.environ.get("YIWANG_CHROMIUM", "/usr/bin/chromium")
PEOPLE = {
    "designer1": (["designer"], []),
    "clerk1": (["clerk"], ["window"]),
    "market1": (["approver"], ["market"]),
    "fire1": (["approver"], ["fire"]),
    "zhang3": (["applicant"], []),
    "li4": (["applicant"], []),
    "super1": (["supervisor"], []),
    "admin1": (["admin"], []),
    "sec": (["security_admin"], []),
    "auditor1": (["auditor"], []),
}

if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-wqy-microhei)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (no browser download)")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The app on a fresh SQLite database with an organisation, served by a threaded server."""
    from werkzeug.serving import make_server

    import api.models  # noqa: F401 - registers the tables
    import forms.models  # noqa: F401
    from api import accounts, case_settings
    from api.app import create_app
    from engine.config import EngineConfig
    from engine.db import Base, make_db_engine
    from processes.case_config import CaseConfig

    if not (Path(__file__).parents[2] / "api" / "web_assets" / "index.html").is_file():
        pytest.fail("the web UI is not built: cd designer && npm ci && npm run build")
    folder = tmp_path_factory.mktemp("e2e")
    second_factor.forget_all()  # a new database: its administrators enrol at their first sign-in
    url = f"sqlite:///{folder / 'e2e.sqlite3'}"
    db_engine = make_db_engine(url)
    Base.metadata.create_all(db_engine)
    app = create_app({"ENGINE": EngineConfig(database_url=url, jobs="inline"), "DB_ENGINE": db_engine,
                      "SECRET_KEY": "e2e-secret-" + "x" * 40, "COOKIE_SECURE": "false",
                      "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 1024,
                      "MATERIALS_DIR": str(folder / "materials"), **UNTHROTTLED})
    env = app.extensions["yiwang"]
    accounts.create_region(env.unit_of_work(), "320000", name="江苏省", level="province")
    accounts.create_region(env.unit_of_work(), "320500", name="苏州市", level="city", parent_code="320000")
    for name, title, kind in (("window", "综合窗口", "window"), ("market", "市场监管局", "department"),
                              ("fire", "消防救援支队", "department")):
        accounts.create_group(env.unit_of_work(), name, title=title, kind=kind, region_code="320500")
    for username, (roles, groups) in PEOPLE.items():
        accounts.create_user(env.unit_of_work(), username, password=PASSWORD, roles=roles, groups=groups,
                             min_length=12)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    # Receipts' QR codes point at this server's public progress page (/progress/<number> -> /ui/progress/...).
    app.extensions[case_settings.CONFIG] = CaseConfig(public_base_url=f"http://127.0.0.1:{httpd.server_port}",
                                                      licence_key_file=str(folder / "licence-key.pem"))
    thread = threading.Thread(target=httpd.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(10)
    httpd.server_close()
    env.dispatcher.close()
    db_engine.dispose()


@pytest.fixture(scope="session")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


@pytest.fixture
def login(browser, server):
    """login("clerk1") -> a page of a fresh browser context, logged in through the UI's login form.

    Administrators type their app's code, or set the second factor up at their first sign-in, on the page.
    """
    contexts = []

    def open_as(username: str, *, lang: str = "zh", password: str = PASSWORD):
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.errors = errors
        page.goto(f"{server}/ui/login")
        page.fill("#login-username", username)
        page.fill("#login-password", password)
        page.click("[data-testid=login-submit]")
        pass_second_factor(page, username)
        page.wait_for_selector("[data-testid=whoami]")
        return page

    yield open_as
    for context in contexts:
        context.close()

