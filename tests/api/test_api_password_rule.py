"""The level-3 password rule over real HTTP: no common passwords, none of the last five."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from api_kit import PASSWORD
from live_kit import session_for, threaded_server

# Each meets the length and class rules, and each is in the list of common passwords (as it is, or in lower case).
COMMON = ["Password1234", "P@ssw0rd1234", "Qwerty123456!", "1qaz@WSX3edc", "Woaini1314520"]


@pytest.fixture
def live(app, organisation):
    with threaded_server(app) as base:
        yield base


def _messages(response) -> list[str]:
    return [e["message"] for e in response.json()["errors"]]


@pytest.mark.parametrize("password", COMMON)
def test_a_common_password_is_refused_wherever_a_password_is_set(live, organisation, password):
    sec = session_for(live, "sec")
    created = sec.post(f"{live}/api/v1/users", json={"username": "wang5", "password": password, "roles": ["clerk"]},
                       timeout=30)
    assert created.status_code == 422, created.text
    assert created.json()["type"] == "urn:yiwang:problem:password-rejected"
    assert any("常见密码" in m and "common password" in m for m in _messages(created))
    reset = sec.post(f"{live}/api/v1/users/{organisation['clerk1']}/password", json={"password": password},
                     timeout=30)
    assert reset.status_code == 422
    clerk = session_for(live, "clerk2")
    changed = clerk.post(f"{live}/api/v1/session/password", json={"old_password": PASSWORD, "new_password": password},
                         timeout=30)
    assert changed.status_code == 422
    assert requests.post(f"{live}/api/v1/session", json={"username": "clerk2", "password": password},
                         timeout=30).status_code == 401  # nothing changed


def test_a_password_may_not_return_to_any_of_the_last_five(live, env, app):
    clerk = session_for(live, "clerk1")
    used = [PASSWORD] + [f"Window-Desk-{n}-Pass" for n in range(1, 6)]
    for old, new in zip(used, used[1:]):
        changed = clerk.post(f"{live}/api/v1/session/password", json={"old_password": old, "new_password": new},
                             timeout=30)
        assert changed.status_code == 204, changed.text
    current = used[-1]
    for recent in used[-5:]:  # the current one and the four before it
        refused = clerk.post(f"{live}/api/v1/session/password", timeout=30,
                             json={"old_password": current, "new_password": recent})
        assert refused.status_code == 422, recent
        assert any("last 5" in m for m in _messages(refused))
    sixth = clerk.post(f"{live}/api/v1/session/password", json={"old_password": current, "new_password": used[0]},
                       timeout=30)
    assert sixth.status_code == 204, sixth.text  # the sixth one back may return
    from api.models import PasswordHistory

    with env.unit_of_work() as uow:  # only argon2id hashes are kept, and only as many as the rule needs
        hashes = list(uow.session.scalars(select(PasswordHistory.password_hash)))
        assert len(hashes) == app.config["PASSWORD_HISTORY"] - 1
        assert all(h.startswith("$argon2id$") for h in hashes)
        assert uow.session.scalar(select(func.count()).select_from(PasswordHistory)) == 4


def test_a_security_administrators_reset_and_the_renewal_follow_the_rule_too(live, organisation):
    sec = session_for(live, "sec")
    reset = sec.post(f"{live}/api/v1/users/{organisation['clerk1']}/password", json={"password": PASSWORD}, timeout=30)
    assert reset.status_code == 422  # the clerk's current password
    assert sec.post(f"{live}/api/v1/users/{organisation['clerk1']}/password", json={"password": "One-Time-Pass-41"},
                    timeout=30).status_code == 204
    back = requests.post(f"{live}/api/v1/session/password/renew", timeout=30, json={
        "username": "clerk1", "old_password": "One-Time-Pass-41", "new_password": PASSWORD})
    assert back.status_code == 422 and any("last 5" in m for m in _messages(back))
    common = requests.post(f"{live}/api/v1/session/password/renew", timeout=30, json={
        "username": "clerk1", "old_password": "One-Time-Pass-41", "new_password": "Password1234"})
    assert common.status_code == 422
