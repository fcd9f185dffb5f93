"""The keys that seal personal data at rest (engine/sealing.py), held outside the database.

``DATA_KEYS`` holds the key document as JSON; otherwise the file ``DATA_KEY_FILE``
does (made on first use, mode 0600, with one key of ``DATA_CIPHER``)::

    {"current": "3f9a1c2e", "index_key": "<base64, 32 bytes>",
     "keys": {"3f9a1c2e": {"algorithm": "aes-256-gcm", "key": "<base64, 32 bytes>"},
              "07bd44a1": {"algorithm": "sm4-gcm", "key": "<base64, 16 bytes>"}}}

Every process that reads or writes cases (web workers, ``yiwang worker``, the CLI) needs
the same document: on several hosts, set ``YIWANG_DATA_KEYS`` (or share the file). A key
that is missing is named by its id when a value sealed under it is read.
``yiwang data-keys rotate`` adds a key and makes it current; ``yiwang data-keys reseal``
then moves every sealed value to it, after which older keys may be removed.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from engine.sealing import KEY_BYTES, DataKeyError, Keyring

log = logging.getLogger(__name__)


def keyring(values: dict[str, Any], instance_path: str) -> Keyring:
    """The keyring the settings name (``api/config.py``); the key file is made on first use."""
    if values["DATA_KEYS"]:
        return _parse(values["DATA_KEYS"], "YIWANG_DATA_KEYS")
    path = key_file(values, instance_path)
    algorithm = values["DATA_CIPHER"]
    if algorithm not in KEY_BYTES:
        raise DataKeyError(f"YIWANG_DATA_CIPHER must be one of {', '.join(KEY_BYTES)}, not {algorithm!r}")
    _make_once(path, lambda: Keyring.generate(algorithm))
    return _parse(path.read_text(encoding="utf-8"), str(path))


def key_file(values: dict[str, Any], instance_path: str) -> Path:
    return Path(values["DATA_KEY_FILE"] or Path(instance_path) / "data_keys.json")


def rotate(values: dict[str, Any], instance_path: str) -> tuple[Keyring, Path | None]:
    """Add a new current key of ``DATA_CIPHER``; written to the key file, or returned for the setting."""
    new = keyring(values, instance_path).with_new_key(values["DATA_CIPHER"])
    if values["DATA_KEYS"]:
        return new, None
    path = key_file(values, instance_path)
    temporary = path.with_suffix(".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(document_text(new))
    os.replace(temporary, path)  # readers see the old or the new document, never half of one
    return new, path


def document_text(ring: Keyring) -> str:
    return json.dumps(ring.to_document(), indent=2) + "\n"


def _parse(text: str, where: str) -> Keyring:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataKeyError(f"{where} is not JSON: {err.msg} at line {err.lineno}") from None
    try:
        return Keyring.from_document(document)
    except DataKeyError as err:
        raise DataKeyError(f"{where}: {err.message}", **err.context) from None


def _make_once(path: Path, make) -> None:
    """Write the file unless it exists; a sibling process never sees it half written (link is atomic)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(document_text(make()))
    try:
        os.link(temporary, path)
    except FileExistsError:
        return  # a sibling process made it just now: theirs is the key
    finally:
        temporary.unlink()
    log.warning("made new data keys in %s: keep a copy in the secret store (without it the personal data "
                "they seal cannot be read), and give every host of the installation the same keys", path)


def current(values: dict[str, Any] | None = None) -> Keyring:
    """The keyring for processes without the app (CLI, workers): settings from the environment."""
    from . import audit_keys, config

    return keyring(values or config.load(), audit_keys.default_instance_path())
