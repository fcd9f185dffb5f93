"""TOTP secrets are sealed under a key outside the database, bound to their account."""

from __future__ import annotations

import pytest

from api import sealing


@pytest.fixture
def key_file(tmp_path):
    sealing.configure({"SECOND_FACTOR_KEY": "", "SECOND_FACTOR_KEY_FILE": str(tmp_path / "key")}, str(tmp_path))
    yield tmp_path / "key"
    sealing._Current.source = None  # the next user configures its own


def test_a_sealed_secret_opens_only_for_its_account_and_under_its_key(key_file, tmp_path):
    sealed = sealing.seal("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", bound_to="7")
    assert "JBSWY3DP" not in sealed and sealed.startswith("v1.")
    assert key_file.stat().st_mode & 0o777 == 0o600  # made on first use, for the service's user only
    assert sealing.unseal(sealed, bound_to="7") == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with pytest.raises(sealing.SealingError, match="another account"):
        sealing.unseal(sealed, bound_to="8")  # copied into another account's row
    body = sealed.rsplit(".", 1)[1]
    flipped = sealed[:-len(body)] + ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(sealing.SealingError, match="altered"):
        sealing.unseal(flipped, bound_to="7")
    sealing.configure({"SECOND_FACTOR_KEY": "another key, set on the hosts" + "x" * 20, "SECOND_FACTOR_KEY_FILE": ""},
                      str(tmp_path))
    with pytest.raises(sealing.SealingError, match="YIWANG_SECOND_FACTOR_KEY"):
        sealing.unseal(sealed, bound_to="7")
