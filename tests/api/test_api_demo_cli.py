"""``yiwang demo`` (and ``serve --demo``) seeds the example items and demo users once; ``yiwang item ...``."""

from __future__ import annotations

import re

import pyotp
import pytest
from click.testing import CliRunner

from api.cli import main
from case_api_kit import ELDERLY, PERMIT, REAL_ESTATE, STARTUP
from support.paths import REPO


@pytest.fixture
def yiwang(db_engine):
    """Runs ``yiwang ARGS`` in this process on the test database (exit code, stdout, stderr)."""
    url = db_engine.url.render_as_string(hide_password=False)
    runner = CliRunner()

    def run(*args: str, **env: str):
        result = runner.invoke(main, ["--db", url, *args], env={"YIWANG_DEPLOYMENT": "embedded", **env},
                               catch_exceptions=False)
        result.returncode = result.exit_code
        return result

    return run


def test_the_demo_loads_the_items_and_users_once_and_a_second_run_changes_nothing(yiwang, app, tmp_path):
    first = yiwang("demo")
    assert first.returncode == 0, first.stderr
    for code in (STARTUP, REAL_ESTATE, ELDERLY, PERMIT, "one_window_approval"):
        assert f"{code} v1: published" in first.stdout
    assert "password for all: Yiwang-Demo-2026" in first.stdout and first.stdout.rstrip().endswith("changed")
    second = yiwang("demo")
    assert second.returncode == 0 and second.stdout.rstrip().endswith("nothing changed (already seeded)")
    assert f"{REAL_ESTATE} v1: unchanged" in second.stdout and "(exists)" in second.stdout
    # the administrators are enrolled in the second factor: their secrets are printed, the same on every run
    secrets = dict(re.findall(r"^  (\S+)\s+([A-Z2-7]{32})  otpauth://totp/", first.stdout, re.M))
    assert set(secrets) == {"secadmin", "sysadmin", "auditor"}
    assert all(re.search(rf"^  {name}\s+{secret}  otpauth://totp/yiwang:{name}\?secret={secret}", second.stdout, re.M)
               for name, secret in secrets.items())

    # the demo users log in with their roles and groups (administrators with a code); separation of duties holds
    client = app.test_client()
    roles = {}
    for username in ("clerk", "lead", "secadmin", "sysadmin", "auditor", "supervisor", "applicant"):
        body = {"username": username, "password": "Yiwang-Demo-2026"}
        if username in secrets:
            assert client.post("/api/v1/session", json=body).status_code == 401  # the password alone
            body["code"] = pyotp.TOTP(secrets[username]).now()
        login = client.post("/api/v1/session", json=body)
        assert login.status_code == 200, login.get_json()
        roles[username] = (login.get_json()["roles"], login.get_json()["groups"])
    assert roles["clerk"] == (["clerk"], ["window"]) and roles["lead"] == (["approver"], ["housing_lead", "lead"])
    assert roles["secadmin"][0] == ["security_admin"] and roles["sysadmin"][0] == ["admin"]

    refused = yiwang("demo", YIWANG_DEPLOYMENT="production")
    assert refused.returncode == 2 and "production" in refused.stderr


def test_item_commands_list_render_export_check_and_import(yiwang, tmp_path):
    bundle = REPO / "examples" / "elderly_allowance"
    imported = yiwang("item", "import", str(bundle), "--by", "designer", "--note", "首次发布")
    assert imported.returncode == 0 and f"{ELDERLY} v1: published" in imported.stdout, imported.stderr
    listed = yiwang("item", "list", "--type", "benefit")
    assert listed.stdout.startswith(f"{ELDERLY}  v1  高龄津贴申领  benefit")
    guide = yiwang("item", "guide", ELDERLY, "-o", str(tmp_path / "guide.html"))
    assert guide.returncode == 0 and "办事指南" in (tmp_path / "guide.html").read_text(encoding="utf-8")
    exported = yiwang("item", "export", ELDERLY, "-o", str(tmp_path / "gljt.zip"))
    assert exported.returncode == 0, exported.stderr
    checked = yiwang("item", "check", str(tmp_path / "gljt.zip"))
    assert checked.returncode == 0 and checked.stdout.rstrip().endswith("no errors")
    again = yiwang("item", "import", str(tmp_path / "gljt.zip"))
    assert f"{ELDERLY} v1: unchanged" in again.stdout
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "item.json").write_text("{}", encoding="utf-8")
    refused = yiwang("item", "import", str(broken))
    assert refused.returncode == 1 and "error: the bundle cannot be read" in refused.stderr
