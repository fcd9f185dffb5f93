"""The keys of the audit trail, held outside the database.

* The chain key (``AUDIT_KEY``, else the file ``AUDIT_KEY_FILE``, made on first use):
  every record's hash is an HMAC-SHA256 under it, so whoever can write the database but
  does not hold the key cannot forge a chain that verifies.
* The checkpoint signing key (Ed25519, ``AUDIT_ANCHOR_KEY_FILE``, made on first use) and
  the checkpoint folder (``AUDIT_ANCHOR_DIR``): see :mod:`api.audit_anchor`.

Every process that writes or verifies the trail (web workers, ``yiwang worker``, the
CLI) must see the same keys: on several hosts, set ``YIWANG_AUDIT_KEY`` and share the
signing key file; put the checkpoint folder where the database's users cannot write
(another host's mount, WORM storage).
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True)
class AuditKeys:
    key_value: str
    key_file: Path
    anchor_dir: Path
    anchor_key_file: Path

    def chain_key(self) -> bytes:
        if self.key_value:
            return self.key_value.encode()
        return made_once(self.key_file, lambda: secrets.token_urlsafe(48).encode()).strip()

    def signing_key(self) -> Ed25519PrivateKey:
        pem = made_once(self.anchor_key_file, lambda: Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        return serialization.load_pem_private_key(pem, password=None)

    def public_key_text(self) -> str:
        raw = self.signing_key().public_key().public_bytes(serialization.Encoding.Raw,
                                                           serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode()


def made_once(path: Path, make) -> bytes:
    """The file's content, writing ``make()`` there first (0600) if nobody has yet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made earlier, or by a sibling process just now
    else:
        with os.fdopen(fd, "wb") as out:
            out.write(make())
    return path.read_bytes()


class _Current:
    keys: AuditKeys | None = None


def configure(values: dict[str, Any], instance_path: str) -> AuditKeys:
    """Take the keys' settings (``api/config.py``); files default to the instance folder."""
    folder = Path(instance_path)
    _Current.keys = AuditKeys(
        key_value=values["AUDIT_KEY"],
        key_file=Path(values["AUDIT_KEY_FILE"] or folder / "audit_key"),
        anchor_dir=Path(values["AUDIT_ANCHOR_DIR"] or folder / "audit-anchors"),
        anchor_key_file=Path(values["AUDIT_ANCHOR_KEY_FILE"] or folder / "audit-anchor-key.pem"),
    )
    return _Current.keys


def current() -> AuditKeys:
    if _Current.keys is None:
        from . import config

        configure(config.load(), default_instance_path())
    return _Current.keys


def default_instance_path() -> str:
    """The web app's instance folder, for processes without the app (CLI, workers)."""
    from flask import Flask

    return Flask("api.app").instance_path
