"""Ed25519 signing of e-licences: any changed byte fails; keys come from config or a kept dev key."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from processes.case_config import CaseConfig
from processes.case_errors import LicenceKeyMissing
from processes.licences import LicenceSigner, canonical_json, render_html, verify_document

CONTENT = {"number": "SPJY0001-320505-20260928-00001X-1", "title": "食品经营许可证", "algorithm": "Ed25519",
           "holder": {"kind": "person", "id": "11010519491231002X", "name": "张三"},
           "data": {"经营项目": "预包装食品销售"}, "issuer": "市场监管局", "issued_at": "2026-10-09T08:00:00+00:00"}


@pytest.fixture
def signer(tmp_path):
    return LicenceSigner.from_config(CaseConfig(licence_key_file=str(tmp_path / "key.pem")))


def document(signer) -> dict:
    payload = canonical_json({**CONTENT, "key_id": signer.key_id})
    return {"payload": payload, "signature": signer.sign(payload.encode()), "algorithm": "Ed25519",
            "key_id": signer.key_id}


def test_every_single_byte_change_in_the_payload_fails_verification(signer):
    doc, keys = document(signer), signer.public_keys()
    assert verify_document(doc, keys).valid
    payload = doc["payload"].encode("utf-8")
    for index in range(len(payload)):
        changed = bytearray(payload)
        changed[index] ^= 0x01
        assert not verify_document({**doc, "payload": bytes(changed)}, keys).valid, index


def test_a_changed_signature_byte_an_unknown_key_or_another_algorithm_fail(signer, tmp_path):
    doc, keys = document(signer), signer.public_keys()
    raw = bytearray(base64.b64decode(doc["signature"]))
    raw[10] ^= 0x80
    assert not verify_document({**doc, "signature": base64.b64encode(bytes(raw)).decode()}, keys).valid
    other = LicenceSigner(Ed25519PrivateKey.generate())
    assert verify_document(doc, other.public_keys()).reason == "unknown signing key"
    assert verify_document({**doc, "algorithm": "RS256"}, keys).reason == "unsupported algorithm"
    assert verify_document({**doc, "signature": "not base64!"}, keys).valid is False


def test_the_embedded_default_generates_its_key_once_keeps_it_private_and_reuses_it(tmp_path):
    config = CaseConfig(licence_key_file=str(tmp_path / "key.pem"))
    first, second = LicenceSigner.from_config(config), LicenceSigner.from_config(config)
    assert first.key_id == second.key_id and len(first.key_id) == 16
    assert stat.S_IMODE(os.stat(tmp_path / "key.pem").st_mode) == 0o600


def test_a_configured_key_is_used_and_a_wrong_one_stops_with_a_clear_message(tmp_path):
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    assert LicenceSigner.from_config(CaseConfig(licence_signing_key=pem)).key_id == LicenceSigner(key).key_id
    with pytest.raises(LicenceKeyMissing):
        LicenceSigner.from_config(CaseConfig(licence_signing_key="-----BEGIN PRIVATE KEY-----\nxx\n"))
    with pytest.raises(LicenceKeyMissing):
        LicenceSigner.from_config(CaseConfig(licence_key_file=""))


def test_the_rendered_licence_escapes_every_value(signer):
    html = render_html({**CONTENT, "key_id": signer.key_id, "data": {"<b>": "<script>alert(1)</script>"}}, "sig")
    assert "<script>" not in html and "&lt;script&gt;" in html and "食品经营许可证" in html
