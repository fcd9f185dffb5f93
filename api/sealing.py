"""Authentication data the service must read back (TOTP secrets), sealed with a key outside the database.

A password can be stored as a hash; a TOTP secret cannot (the server computes codes from
it), so it is encrypted with AES-256-GCM (``cryptography``) under ``SECOND_FACTOR_KEY``,
else the file ``SECOND_FACTOR_KEY_FILE`` (made on first use, 0600, in the instance folder
by default). The account's id is bound in as associated data, so a sealed secret copied to
another account's row does not open. A copy of the database alone (a backup, a leaked
dump) gives no usable second factors (GB/T 22239-2019 8.1.4.8: authentication data kept
confidential in storage).

Sealed text reads ``v1.<key id>.<base64 nonce + ciphertext>``; the key id (the first 8 hex
digits of the key's SHA-256) names a wrong key clearly instead of failing as a wrong code.
Every process that signs people in or enrols them (web workers, the CLI) needs the same key.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .audit_keys import default_instance_path, made_once

VERSION = "v1"
INFO = b"yiwang second factor v1"


class SealingError(RuntimeError):
    """Sealed data cannot be opened: another key, or it was altered."""


@dataclass(frozen=True)
class KeySource:
    value: str
    file: Path

    def material(self) -> bytes:
        if self.value:
            return self.value.encode()
        return made_once(self.file, lambda: secrets.token_urlsafe(48).encode()).strip()


class _Current:
    source: KeySource | None = None


def configure(values: dict[str, Any], instance_path: str) -> KeySource:
    """Take the key's settings (``api/config.py``); the file defaults to the instance folder."""
    _Current.source = KeySource(values["SECOND_FACTOR_KEY"],
                                Path(values["SECOND_FACTOR_KEY_FILE"] or Path(instance_path) / "second_factor_key"))
    return _Current.source


def _key() -> tuple[str, bytes]:
    if _Current.source is None:
        from . import config

        configure(config.load(), default_instance_path())
    material = _Current.source.material()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(material)
    return hashlib.sha256(key).hexdigest()[:8], key


def seal(plaintext: str, *, bound_to: str) -> str:
    key_id, key = _key()
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), bound_to.encode())
    return f"{VERSION}.{key_id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def unseal(text: str, *, bound_to: str) -> str:
    try:
        version, key_id, body = text.split(".", 2)
        raw = base64.urlsafe_b64decode(body)
    except ValueError:
        raise SealingError("not sealed text") from None
    current_id, key = _key()
    if version != VERSION or key_id != current_id:
        raise SealingError(f"sealed under key {key_id}, but the key in use is {current_id}: set "
                           "YIWANG_SECOND_FACTOR_KEY (or the key file) to the key it was sealed with")
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], bound_to.encode()).decode()
    except InvalidTag:
        raise SealingError("the sealed data was altered or belongs to another account") from None
