"""Account administration: users, roles (separation of duties), groups, regions."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from api_kit import PASSWORD, audit_rows


def test_a_security_admin_creates_a_user_who_can_log_in(as_user, app, env):
    sec = as_user("sec")
    created = sec.post("/api/v1/users", json={"username": "wang5", "display_name": "王五", "password": "Window-Clerk-55",
                                              "roles": ["clerk"], "groups": ["window"]})
    assert created.status_code == 201
    body = created.get_json()
    assert (body["roles"], body["groups"], body["active"], body["locked"]) == (["clerk"], ["window"], True, False)
    assert "password" not in body
    login = app.test_client().post("/api/v1/session", json={"username": "wang5", "password": "Window-Clerk-55"})
    assert login.status_code == 200
    (record,) = audit_rows(env, action="user.created")
    assert record.actor == "sec" and record.object_id == str(body["id"])
    assert sec.post("/api/v1/users", json={"username": "wang5", "password": "Window-Clerk-55"}).status_code == 409


@pytest.mark.parametrize("roles", [["admin", "auditor"], ["admin", "security_admin"], ["security_admin", "auditor"],
                                   ["admin", "security_admin", "auditor"]])
def test_no_account_holds_two_of_admin_security_admin_and_auditor(as_user, organisation, roles):
    sec = as_user("sec")
    refused = sec.put(f"/api/v1/users/{organisation['clerk1']}/roles", json={"roles": roles})
    assert refused.status_code == 422 and refused.get_json()["type"].endswith("separation-of-duties")
    assert sec.get(f"/api/v1/users/{organisation['clerk1']}").get_json()["roles"] == ["clerk"]
    created = sec.post("/api/v1/users", json={"username": "both", "password": "Both-Roles-123", "roles": roles})
    assert created.status_code == 422
    assert sec.get("/api/v1/users").get_json()[0]["username"] != "both"


def test_roles_and_groups_are_set_by_another_person_never_oneself(as_user, organisation):
    sec = as_user("sec")
    assert sec.put(f"/api/v1/users/{organisation['sec']}/roles", json={"roles": ["security_admin", "designer"]}).status_code == 403
    changed = sec.put(f"/api/v1/users/{organisation['market1']}/groups", json={"groups": ["market", "fire"]})
    assert changed.get_json()["groups"] == ["fire", "market"]
    unknown = sec.put(f"/api/v1/users/{organisation['market1']}/groups", json={"groups": ["nowhere"]})
    assert unknown.status_code == 422


def test_a_disabled_user_is_logged_out_and_cannot_log_in(as_user, app, organisation):
    clerk = as_user("clerk1")
    assert as_user("sec").patch(f"/api/v1/users/{organisation['clerk1']}", json={"active": False}).status_code == 200
    assert clerk.get("/api/v1/session").status_code == 401
    assert app.test_client().post("/api/v1/session", json={"username": "clerk1", "password": PASSWORD}).status_code == 401


def test_a_password_reset_ends_the_users_sessions_and_must_be_replaced(as_user, app, organisation):
    clerk = as_user("clerk1")
    reset = as_user("sec").post(f"/api/v1/users/{organisation['clerk1']}/password", json={"password": "Brand-New-Pass-1"})
    assert reset.status_code == 204
    assert clerk.get("/api/v1/session").status_code == 401
    client = app.test_client()
    assert client.post("/api/v1/session", json={"username": "clerk1", "password": "Brand-New-Pass-1"}).status_code == 403
    renewed = client.post("/api/v1/session/password/renew", json={
        "username": "clerk1", "old_password": "Brand-New-Pass-1", "new_password": "Clerks-Own-Pass-1"})
    assert renewed.status_code == 204
    assert as_user("clerk1", "Clerks-Own-Pass-1").get("/api/v1/session").status_code == 200


def test_only_security_admins_administer_accounts(as_user, organisation):
    for username in ("admin1", "auditor1", "clerk1"):
        assert as_user(username).post("/api/v1/users", json={"username": "x"}).status_code == 403
        assert as_user(username).put(f"/api/v1/users/{organisation['clerk2']}/roles", json={"roles": ["admin"]}).status_code == 403


def test_groups_sit_in_a_region_hierarchy(as_user):
    sec = as_user("sec")
    county = sec.post("/api/v1/regions", json={"code": "320508", "name": "姑苏区", "level": "county", "parent_code": "320500"})
    assert county.status_code == 201
    wrong = sec.post("/api/v1/regions", json={"code": "320509", "name": "x", "level": "village", "parent_code": "320500"})
    assert wrong.status_code == 422
    group = sec.post("/api/v1/groups", json={"name": "gusu-window", "kind": "window", "region_code": "320508"})
    assert group.status_code == 201 and group.get_json()["region_code"] == "320508"
    assert sec.post("/api/v1/groups", json={"name": "gusu-window"}).status_code == 409
    regions = as_user("clerk1").get("/api/v1/regions").get_json()
    assert [r["level"] for r in regions] == ["province", "city", "county"]


def test_the_roles_are_listed_with_what_they_may_do(as_user):
    roles = {r["name"]: r for r in as_user("clerk1").get("/api/v1/roles").get_json()}
    assert set(roles) >= {"admin", "designer", "clerk", "approver", "supervisor", "auditor", "applicant", "integrator"}
    assert "tasks:work" not in roles["integrator"]["permissions"]


def test_the_cli_creates_the_first_security_admin(db_engine, tmp_path):
    import os
    import subprocess
    import sys

    from support.paths import REPO

    url = db_engine.url.render_as_string(hide_password=False)
    environ = {**os.environ, "PYTHONPATH": str(REPO), "YIWANG_DATABASE_URL": url}
    run = subprocess.run([sys.executable, "-m", "api", "users", "create", "root-sec", "--role", "security_admin",
                          "--password-stdin"], input="Security-Admin-1\n", env=environ, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "扫码绑定" in run.stdout and "authenticator app (TOTP)" in run.stdout  # what the first sign-in asks for
    refused = subprocess.run([sys.executable, "-m", "api", "users", "roles", "root-sec", "security_admin", "auditor"],
                             env=environ, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "separation of duties" in refused.stderr
    clerk = subprocess.run([sys.executable, "-m", "api", "users", "create", "wang5", "--role", "clerk",
                            "--password-stdin"], input="Window-Clerk-55\n", env=environ, capture_output=True,
                           text=True, timeout=60)
    assert clerk.returncode == 0 and "TOTP" not in clerk.stdout
    reset = subprocess.run([sys.executable, "-m", "api", "users", "reset-second-factor", "root-sec"], env=environ,
                           capture_output=True, text=True, timeout=60)
    assert reset.returncode == 0 and "next sign-in" in reset.stdout, reset.stderr
    with db_engine.connect() as conn:
        assert conn.execute(text("SELECT actor FROM audit_record WHERE action = 'user.second_factor_reset'")).all() \
            == [("cli",)]
