"""The list of common passwords behind the level-3 password rule."""

from __future__ import annotations

import pytest

from api import passwords
from api.errors import PasswordRejected


@pytest.mark.parametrize("password", ["Password1234", "password1234", "P@ssw0rd1234", "Qwerty123456!",
                                      "1qaz@WSX3edc", "Woaini1314520"])
def test_common_passwords_are_listed_whatever_their_case(password):
    assert passwords.is_common(password)


@pytest.mark.parametrize("password", ["Correct-Horse-9", "Hall-Keeper-2026", "Yiwang-Demo-2026", "short"])
def test_uncommon_passwords_are_not(password):
    assert not passwords.is_common(password)


def test_every_reason_is_given_at_once_in_chinese_and_english():
    with pytest.raises(PasswordRejected) as refused:
        passwords.check_password_policy("password1234", username="password", min_length=14)
    messages = [e["message"] for e in refused.value.errors]
    assert len(messages) == 4 and all(e["pointer"] == "/password" for e in refused.value.errors)
    assert any("至少 14 个字符" in m and "at least 14" in m for m in messages)
    assert any("常见密码" in m for m in messages) and any("用户名" in m for m in messages)
