"""Personal data sealed at rest: authenticated encryption of identifiers, under keys that rotate.

What is sealed is decided by :class:`IdentifierRules` (given by the forms package): the
fields a case's forms mark as personal (ID numbers, mobile numbers, names of natural
persons by default) and any text with an ID or mobile number in it. Each such string is
replaced, in what is written to the database only, by an *envelope*::

    yw:s1:<key id>:<base64url(nonce(12) | ciphertext | tag(16))>

AES-256-GCM (or SM4-GCM, GB/T 32907, where a deployment asks for national algorithms)
with a random nonce; the additional data is the row's context (``instance:<id>``,
``draft:<owner>/<item>``, ``licence:<number>``), so a ciphertext copied into another
case does not open. The key id says which key opens it: old keys stay in the keyring
to open what they sealed while new values are sealed under the current key, and
``yiwang data-keys reseal`` moves everything to the current key. A stored string that
happens to begin with the envelope prefix is sealed as well, so every stored string
with that prefix is an envelope.

A blind index (HMAC-SHA256 under a separate index key, never rotated with the data
keys) lets a column be searched for an exact value without holding it in plaintext.

Keys live outside the database (settings or a key file, see ``api/data_keys.py``); an
engine built without keys seals nothing but still refuses to hand out envelopes it
cannot open. In memory, expressions, gateways and caches see plaintext only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import EngineError

PREFIX = "yw:s1:"
AES_GCM = "aes-256-gcm"
SM4_GCM = "sm4-gcm"
KEY_BYTES = {AES_GCM: 32, SM4_GCM: 16}
_NONCE, _TAG = 12, 16
NO_FIELDS: frozenset[str] = frozenset()


class SealedDataError(EngineError):
    """A sealed value cannot be opened: unknown key, wrong key, or changed ciphertext."""

    code = "sealed-data"


class DataKeyError(EngineError):
    """The data keys as configured cannot be used (the message says which and why)."""

    code = "data-keys"


@dataclass(frozen=True)
class DataKey:
    id: str
    algorithm: str
    secret: bytes

    @classmethod
    def generate(cls, algorithm: str = AES_GCM) -> DataKey:
        if algorithm not in KEY_BYTES:
            raise DataKeyError(f"unknown data key algorithm {algorithm!r}; use {AES_GCM} or {SM4_GCM}")
        return cls(secrets.token_hex(4), algorithm, os.urandom(KEY_BYTES[algorithm]))

    @cached_property
    def _aes(self) -> AESGCM:
        return AESGCM(self.secret)

    def encrypt(self, nonce: bytes, plain: bytes, aad: bytes) -> bytes:
        if self.algorithm == AES_GCM:
            return self._aes.encrypt(nonce, plain, aad)
        encryptor = Cipher(algorithms.SM4(self.secret), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        return encryptor.update(plain) + encryptor.finalize() + encryptor.tag

    def decrypt(self, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        """Raises InvalidTag when the ciphertext, its context or the key is not the one sealed with."""
        if self.algorithm == AES_GCM:
            return self._aes.decrypt(nonce, sealed, aad)
        body, tag = sealed[:-_TAG], sealed[-_TAG:]
        decryptor = Cipher(algorithms.SM4(self.secret), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(aad)
        return decryptor.update(body) + decryptor.finalize()


class Keyring:
    """The data keys by id, the current one (what new values are sealed under) and the index key."""

    def __init__(self, keys: dict[str, DataKey] | None = None, current: str | None = None,
                 index_key: bytes | None = None) -> None:
        self.keys = dict(keys or {})
        if current is not None and current not in self.keys:
            raise DataKeyError("the current data key is not among the keys", current=current)
        if self.keys and current is None:
            raise DataKeyError("data keys are given but none is named current")
        self.current = self.keys[current] if current else None
        self.index_key = index_key

    # -- the key document (settings and key files hold it as JSON) -----------------------
    @classmethod
    def from_document(cls, document: Any) -> Keyring:
        """Read ``{"current": id, "index_key": b64, "keys": {id: {"algorithm": ..., "key": b64}}}``."""
        if not isinstance(document, dict) or not isinstance(document.get("keys"), dict):
            raise DataKeyError('the data keys must be a JSON object {"current", "index_key", "keys"}')
        keys = {}
        for key_id, entry in document["keys"].items():
            algorithm = entry.get("algorithm") if isinstance(entry, dict) else None
            secret = _b64(entry.get("key") if isinstance(entry, dict) else None, f"keys.{key_id}.key")
            if algorithm not in KEY_BYTES or len(secret) != KEY_BYTES[algorithm]:
                raise DataKeyError(f"data key {key_id!r} must be {AES_GCM} with 32 bytes or {SM4_GCM} with 16",
                                   key_id=key_id, algorithm=algorithm)
            if not key_id or ":" in key_id:
                raise DataKeyError("a data key id is a non-empty name without ':'", key_id=key_id)
            keys[key_id] = DataKey(key_id, algorithm, secret)
        index_key = _b64(document.get("index_key"), "index_key")
        if len(index_key) < 32:
            raise DataKeyError("the blind index key must have at least 32 bytes")
        return cls(keys, document.get("current"), index_key)

    def to_document(self) -> dict[str, Any]:
        return {"current": self.current.id if self.current else None,
                "index_key": base64.b64encode(self.index_key or b"").decode(),
                "keys": {k.id: {"algorithm": k.algorithm, "key": base64.b64encode(k.secret).decode()}
                         for k in self.keys.values()}}

    @classmethod
    def generate(cls, algorithm: str = AES_GCM) -> Keyring:
        key = DataKey.generate(algorithm)
        return cls({key.id: key}, key.id, os.urandom(32))

    def with_new_key(self, algorithm: str = AES_GCM) -> Keyring:
        """This keyring plus a new current key (rotation); the old keys still open what they sealed."""
        key = DataKey.generate(algorithm)
        return Keyring({**self.keys, key.id: key}, key.id, self.index_key)

    # -- sealing ----------------------------------------------------------------------------
    def seal(self, text: str, context: str) -> str:
        key = self.current
        nonce = os.urandom(_NONCE)
        sealed = key.encrypt(nonce, text.encode("utf-8"), context.encode("utf-8"))
        return f"{PREFIX}{key.id}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def open(self, envelope: str, context: str) -> str:
        key_id, _, body = envelope[len(PREFIX):].partition(":")
        key = self.keys.get(key_id)
        if key is None:
            raise SealedDataError(f"stored personal data is sealed under data key {key_id!r}, which this "
                                  "process does not hold: configure every key still in use "
                                  "(YIWANG_DATA_KEYS or YIWANG_DATA_KEY_FILE)", key_id=key_id, where=context)
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            if len(raw) < _NONCE + _TAG:
                raise ValueError("too short")
            return key.decrypt(raw[:_NONCE], raw[_NONCE:], context.encode("utf-8")).decode("utf-8")
        except (InvalidTag, ValueError, binascii.Error, UnicodeError):
            raise SealedDataError(f"stored personal data does not open with data key {key_id!r}: the "
                                  "ciphertext was changed, moved from another record, or the key is not the "
                                  "one it was sealed with", key_id=key_id, where=context) from None

    def blind_index(self, value: str, purpose: str) -> str:
        """A keyed hash of ``value`` for exact-match search (``purpose`` keeps indexes of columns apart)."""
        # Without keys (engine-only use, nothing sealed either) the index is an unkeyed hash: it still
        # finds, it protects nothing; `yiwang data-keys reseal` recomputes it under a key.
        key = self.index_key or b""
        return hmac.new(key, f"{purpose}\x00{value}".encode("utf-8"), hashlib.sha256).hexdigest()


def _b64(value: Any, name: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (TypeError, ValueError, binascii.Error):
        raise DataKeyError(f"{name} of the data keys is not base64") from None


class IdentifierRules(Protocol):
    """What is personal (implemented by :class:`forms.binding.PersonalDataRules`)."""

    def fields(self, session, form_versions: dict[str, int]) -> frozenset[str]:
        """Names of the fields the given form versions mark as personal."""

    def in_text(self, text: str) -> bool:
        """Whether a text holds an identifier (an ID or mobile number) wherever it came from."""


def is_sealed(value: Any) -> bool:
    return type(value) is str and value.startswith(PREFIX)


class DataProtector:
    """Seals what is personal in JSON values before they are written, and opens them on load."""

    def __init__(self, keyring: Keyring | None = None, rules: IdentifierRules | None = None) -> None:
        self.keyring = keyring or Keyring()
        self.rules = rules
        # (form key, version) pairs -> field names; form versions never change once published.
        self._fields: dict[tuple, frozenset[str]] = {}

    @property
    def active(self) -> bool:
        """Whether new values are sealed (a current key is configured)."""
        return self.keyring.current is not None

    def fields_for(self, session, form_versions: dict[str, int] | None) -> frozenset[str]:
        if not form_versions or self.rules is None or not self.active:
            return NO_FIELDS
        marker = tuple(sorted(form_versions.items()))
        found = self._fields.get(marker)
        if found is None:
            found = self._fields[marker] = self.rules.fields(session, dict(form_versions))
        return found

    def seal(self, value: Any, context: str, fields: frozenset[str] = NO_FIELDS, *, whole: bool = False) -> Any:
        """A copy of ``value`` with its personal strings sealed (``value`` itself when nothing is);
        ``whole``: every string of it is personal (a document about one person)."""
        if not self.active:
            return value
        keyring, in_text = self.keyring, self._in_text

        def on_text(text: str, personal: bool) -> str:
            # A typed string that looks like an envelope is sealed too: stored, every one is an envelope.
            if personal or text.startswith(PREFIX) or in_text(text):
                return keyring.seal(text, context)
            return text

        return _Walk(on_text, fields)(value, whole)

    def reseal(self, value: Any, context: str, fields: frozenset[str] = NO_FIELDS, *, whole: bool = False) -> Any:
        """A stored value with every envelope under an older key and every plaintext identifier sealed
        under the current key (``value`` itself when nothing needed it): rotation and old rows."""
        keyring, in_text, current = self.keyring, self._in_text, f"{PREFIX}{self.keyring.current.id}:"

        def on_text(text: str, personal: bool) -> str:
            if text.startswith(PREFIX):
                return text if text.startswith(current) else keyring.seal(keyring.open(text, context), context)
            return keyring.seal(text, context) if personal or in_text(text) else text

        return _Walk(on_text, fields)(value, whole)

    def reseal_text(self, text: str | None, context: str) -> str | None:
        """:meth:`reseal` for a column that is personal as a whole."""
        if not text:
            return text
        return self.reseal(text, context, NO_FIELDS) if is_sealed(text) else self.keyring.seal(text, context)

    def _in_text(self, text: str) -> bool:
        return self.rules is not None and self.rules.in_text(text)

    def seal_text(self, text: str | None, context: str) -> str | None:
        """One value known to be personal (a column of its own)."""
        if text is None or not self.active:
            return text
        return self.keyring.seal(text, context)

    def open(self, value: Any, context: str) -> Any:
        """A copy of ``value`` with every envelope opened (``value`` itself when it holds none)."""
        keyring = self.keyring
        return _Walk(lambda text, _: keyring.open(text, context) if text.startswith(PREFIX) else text,
                     NO_FIELDS)(value)

    def open_text(self, text: str | None, context: str) -> str | None:
        return self.keyring.open(text, context) if is_sealed(text) else text

    def blind_index(self, value: str, purpose: str) -> str:
        return self.keyring.blind_index(value, purpose)


class _Walk:
    """One pass over a JSON value calling ``on_text(text, personal)`` on every string; copies only
    the containers whose content changes. ``personal``: the string is (inside) a personal field."""

    __slots__ = ("on_text", "fields")

    def __init__(self, on_text: Callable[[str, bool], str], fields: frozenset[str]) -> None:
        self.on_text, self.fields = on_text, fields

    def __call__(self, value: Any, personal: bool = False) -> Any:
        kind = type(value)
        if kind is str:
            return self.on_text(value, personal)
        if kind is dict:
            changed = None
            fields = self.fields
            for key, item in value.items():
                new = self(item, personal or key in fields)
                if new is not item:
                    if changed is None:
                        changed = dict(value)
                    changed[key] = new
            return value if changed is None else changed
        if kind is list:
            changed = None
            for index, item in enumerate(value):
                new = self(item, personal)
                if new is not item:
                    if changed is None:
                        changed = list(value)
                    changed[index] = new
            return value if changed is None else changed
        return value
