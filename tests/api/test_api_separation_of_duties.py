"""三权分立 over real HTTP: administrator roles exclude business roles, and a reset password signs nobody in."""

from __future__ import annotations

import pytest
import requests

from api_kit import PASSWORD, audit_rows
from live_kit import session_for, threaded_server
from support import second_factor


@pytest.fixture
def live(app, organisation):
    with threaded_server(app) as base:
        yield base


@pytest.mark.parametrize("roles", [["auditor", "clerk"], ["admin", "approver"], ["security_admin", "designer"],
                                   ["auditor", "supervisor"], ["admin", "applicant"]])
def test_an_administrator_role_is_never_held_with_a_business_role(live, organisation, roles):
    sec = session_for(live, "sec")
    refused = sec.put(f"{live}/api/v1/users/{organisation['auditor1']}/roles", json={"roles": roles}, timeout=30)
    assert refused.status_code == 422, refused.text
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["type"].endswith("separation-of-duties")
    assert sec.get(f"{live}/api/v1/users/{organisation['auditor1']}", timeout=30).json()["roles"] == ["auditor"]
    created = sec.post(f"{live}/api/v1/users", json={"username": "two-hats", "password": "Two-Hats-Person-9",
                                                      "roles": roles}, timeout=30)
    assert created.status_code == 422
    assert "two-hats" not in {u["username"] for u in sec.get(f"{live}/api/v1/users", timeout=30).json()}


def test_a_business_role_may_still_be_combined_with_another(live, organisation):
    sec = session_for(live, "sec")
    changed = sec.put(f"{live}/api/v1/users/{organisation['clerk1']}/roles", json={"roles": ["clerk", "approver"]},
                      timeout=30)
    assert changed.status_code == 200 and changed.json()["roles"] == ["approver", "clerk"]


def test_a_security_administrators_reset_cannot_be_used_to_sign_in_as_the_auditor(live, env, organisation):
    session_for(live, "auditor1")  # the auditor's first sign-in: their phone now holds their second factor
    sec = session_for(live, "sec")
    reset = sec.post(f"{live}/api/v1/users/{organisation['auditor1']}/password",
                     json={"password": "Known-To-Secadmin-1"}, timeout=30)
    assert reset.status_code == 204
    attempt = requests.post(f"{live}/api/v1/session", json={"username": "auditor1", "password": "Known-To-Secadmin-1"},
                            timeout=30)
    assert attempt.status_code == 403, attempt.text
    assert attempt.json()["type"] == "urn:yiwang:problem:password-change-required"
    assert "yiwang_session" not in attempt.cookies
    denied = [r for r in audit_rows(env, action="auth.login", actor="auditor1")]
    assert denied[0].result == "denied" and denied[0].details == {"reason": "password-change-required"}
    # The security administrator knows the one-time password, but not the auditor's code.
    for code in (None, "123456"):
        stolen = requests.post(f"{live}/api/v1/session/password/renew", timeout=30, json={
            "username": "auditor1", "old_password": "Known-To-Secadmin-1", "new_password": "Secadmins-Choice-8",
            **({"code": code} if code else {})})
        assert stolen.status_code == 401, stolen.text
        assert stolen.json()["type"].endswith("second-factor-required" if code is None else "second-factor-failed")
    assert attempt.json()["second_factor"] is True  # the UI asks for the code with the new password
    assert [r.details.get("reason") for r in audit_rows(env, action="auth.login", actor="auditor1")][:2] == [
        "wrong-second-factor", "second-factor-required"]  # newest first
    # The auditor (who is told the one-time password) chooses their own, with their code, then signs in with it.
    renewed = requests.post(f"{live}/api/v1/session/password/renew", timeout=30, json={
        "username": "auditor1", "old_password": "Known-To-Secadmin-1", "new_password": "Auditors-Own-Pass-7",
        "code": second_factor.code_for("auditor1")})
    assert renewed.status_code == 204, renewed.text
    assert requests.post(f"{live}/api/v1/session", json={"username": "auditor1", "password": "Secadmins-Choice-8"},
                         timeout=30).status_code == 401
    assert session_for(live, "auditor1", "Auditors-Own-Pass-7").get(f"{live}/api/v1/audit", timeout=30).ok
    again = requests.post(f"{live}/api/v1/session", json={"username": "auditor1", "password": "Known-To-Secadmin-1"},
                          timeout=30)
    assert again.status_code == 401


def test_one_person_never_resets_both_of_an_administrators_credentials(live, env, organisation):
    sec = session_for(live, "sec")
    auditor = organisation["auditor1"]
    # Not enrolled: whoever knew a reset password could set up the second factor and become the auditor.
    refused = sec.post(f"{live}/api/v1/users/{auditor}/password", json={"password": "Known-To-Secadmin-1"}, timeout=30)
    assert refused.status_code == 409 and refused.json()["type"].endswith("credentials-reset-pending")
    session_for(live, "auditor1")  # the auditor signs in and sets up their second factor
    assert sec.post(f"{live}/api/v1/users/{auditor}/password", json={"password": "Known-To-Secadmin-1"},
                    timeout=30).status_code == 204
    # ... and with the password reset pending, the second factor is not reset as well.
    both = sec.delete(f"{live}/api/v1/users/{auditor}/second-factor", timeout=30)
    assert both.status_code == 409 and both.json()["type"].endswith("credentials-reset-pending")
    assert sec.get(f"{live}/api/v1/users/{auditor}", timeout=30).json()["second_factor"] == "enrolled"


def test_renewing_needs_the_reset_password(live, organisation):
    sec = session_for(live, "sec")
    sec.post(f"{live}/api/v1/users/{organisation['clerk1']}/password", json={"password": "Known-To-Secadmin-1"},
             timeout=30)
    wrong = requests.post(f"{live}/api/v1/session/password/renew", timeout=30, json={
        "username": "clerk1", "old_password": PASSWORD, "new_password": "Clerks-Own-Pass-77"})
    assert wrong.status_code == 401
    assert requests.post(f"{live}/api/v1/session", json={"username": "clerk1", "password": "Clerks-Own-Pass-77"},
                         timeout=30).status_code == 401
