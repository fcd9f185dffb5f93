"""E-licences (电子证照): issued on approval, signed with Ed25519, verifiable by anyone, reused later.

What is signed is the licence *payload*: canonical JSON (keys sorted, no spaces,
UTF-8) of the number, type, title, holder, data, issuer, dates, the case's tracking
number and item, and the algorithm and key id. The signature is Ed25519 (RFC 8032)
over exactly those bytes, base64-encoded; the payload is stored verbatim, so what
was signed is what is verified. Anyone holding the licence document
(:func:`licence_document`: payload, signature, algorithm, key id) and the issuer's
published public key can check it offline with :func:`verify_document`; changing
any single byte of the payload or the signature makes it fail.

Stored, the holder's number and name, the data (a document about its holder), the payload
and the rendered page are sealed (:mod:`engine.sealing`, bound to the licence number); a
holder's licences are found through a blind index of the number (``holder_index``).

Keys: production gives the private key as PKCS#8 PEM in ``YIWANG_LICENCE_SIGNING_KEY``;
the embedded default generates one on first use and keeps it in
``YIWANG_LICENCE_KEY_FILE`` (mode 0600). The key id is the first 16 hex digits of
the SHA-256 of the raw public key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, or_, select

from engine import history
from engine.actors import Actor
from engine.calendar import CST
from forms.materials import licence_reference

from .case_config import CaseConfig
from .case_errors import CaseInvalid, CaseNotFound, CaseStateError, LicenceKeyMissing
from .cases import case_row, id_number_errors, require_staff
from .deadlines import require_aware
from .licence_models import ELicence

ALGORITHM = "Ed25519"
VIEW_COLUMNS = ("number", "licence_type", "title", "case_id", "holder_kind", "holder_id", "holder_name", "data",
                "issuer", "issued_at", "valid_until", "status", "algorithm", "key_id")


# -- keys -------------------------------------------------------------------
class LicenceSigner:
    """The issuer's signing key; built once per process from the configuration."""

    algorithm = ALGORITHM

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id_of(self.public_key)

    @classmethod
    def from_config(cls, config: CaseConfig) -> LicenceSigner:
        if config.licence_signing_key:
            return cls(_load_private_key(config.licence_signing_key.encode()))
        if not config.licence_key_file:
            raise LicenceKeyMissing("set YIWANG_LICENCE_SIGNING_KEY (or YIWANG_LICENCE_KEY_FILE for a dev key)")
        return cls(_dev_key(Path(config.licence_key_file)))

    def sign(self, payload: bytes) -> str:
        return base64.b64encode(self._private_key.sign(payload)).decode("ascii")

    def public_key_pem(self) -> str:
        return self.public_key.public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")

    def public_keys(self) -> dict[str, str]:
        """What the issuer publishes for verifiers: {key id: PEM}."""
        return {self.key_id: self.public_key_pem()}


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _load_private_key(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as err:
        raise LicenceKeyMissing(f"the licence signing key is not a readable PEM private key: {err}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise LicenceKeyMissing("the licence signing key is not an Ed25519 key")
    return key


def _dev_key(path: Path) -> Ed25519PrivateKey:
    """The embedded default's key: read it, or create it once (O_EXCL: one creator wins a race)."""
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
            return key
    return _load_private_key(path.read_bytes())


# -- issuing ----------------------------------------------------------------
def issue_licence(uow, case_id: str, *, licence_type: str, title: str, holder_kind: str, holder_id: str,
                  holder_name: str, data: dict[str, Any], issuer: str, signer: LicenceSigner, actor: Actor,
                  now: datetime, valid_until: datetime | None = None) -> str:
    """Issue, sign and store an e-licence for an approved case; returns the licence number."""
    require_aware(now)
    _check_licence(licence_type, title, holder_kind, holder_id, holder_name, data, issuer)
    with uow:
        session = uow.session
        case = case_row(session, case_id)
        require_staff(case, actor)
        if case.outcome in {"not_accepted", "denied", "cancelled"}:
            raise CaseStateError("only an approved case issues a licence", case_id=case_id, outcome=case.outcome)
        issued = session.scalar(select(func.count()).select_from(ELicence).where(ELicence.case_id == case_id))
        number = f"{case.tracking_number}-{issued + 1}"
        content = {
            "number": number, "licence_type": licence_type, "title": title,
            "holder": {"kind": holder_kind, "id": holder_id, "name": holder_name},
            "data": data, "issuer": issuer, "issued_at": now.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
            "case": {"tracking_number": case.tracking_number, "item_code": case.item_code,
                     "item_version": case.item_version},
            "algorithm": signer.algorithm, "key_id": signer.key_id,
        }
        payload = canonical_json(content)
        signature = signer.sign(payload.encode("utf-8"))
        protector, context = uow.env.protector, _context(number)
        session.add(ELicence(
            number=number, licence_type=licence_type, title=title, case_id=case_id, holder_kind=holder_kind,
            holder_id=protector.seal_text(holder_id, context), holder_index=holder_index(protector, holder_id),
            holder_name=protector.seal_text(holder_name, context),
            data=protector.seal(data, context, whole=True), issuer=issuer,
            issued_at=now, valid_until=valid_until, payload=protector.seal_text(payload, context),
            algorithm=signer.algorithm, key_id=signer.key_id, signature=signature,
            document_html=protector.seal_text(render_html(content, signature), context), status="valid",
        ))
        case.outcome = "approved"
        history.record(uow, case_id, "licence.issued", actor.user, licence_number=number,
                       licence_type=licence_type)
        uow.commit()
        return number


def _check_licence(licence_type, title, holder_kind, holder_id, holder_name, data, issuer) -> None:
    errors = [{"pointer": f"/{name}", "message": "required"}
              for name, value in (("licence_type", licence_type), ("title", title), ("holder_name", holder_name),
                                  ("issuer", issuer)) if not isinstance(value, str) or not value.strip()]
    errors += id_number_errors(holder_kind, holder_id, pointer="/holder_id", kind_pointer="/holder_kind")
    try:
        canonical_json(data)
    except (TypeError, ValueError):
        errors.append({"pointer": "/data", "message": "licence data must be plain JSON"})
    if errors:
        raise CaseInvalid("the licence cannot be issued as given", errors=errors)


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def render_html(content: Mapping[str, Any], signature: str) -> str:
    """The licence as a printable HTML page (every value escaped)."""
    e = html.escape
    rows = "".join(f"<tr><th>{e(str(k))}</th><td>{e(str(v))}</td></tr>" for k, v in content["data"].items())
    issued = datetime.fromisoformat(content["issued_at"]).astimezone(CST).strftime("%Y年%m月%d日")
    return (
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        f"<title>{e(content['title'])}</title></head><body><article class=\"e-licence\">"
        f"<h1>{e(content['title'])}</h1><p>证照编号：{e(content['number'])}</p>"
        f"<p>持证主体：{e(content['holder']['name'])}（{e(content['holder']['id'])}）</p>"
        f"<table>{rows}</table><p>发证机关：{e(content['issuer'])}　发证日期：{issued}</p>"
        f"<footer>电子签名：{e(content['algorithm'])}，密钥 {e(content['key_id'])}，签名值 "
        f"<code>{e(signature)}</code></footer></article></body></html>"
    )


# -- verifying --------------------------------------------------------------
@dataclass(frozen=True)
class Verification:
    valid: bool
    reason: str | None = None
    key_id: str | None = None
    content: dict[str, Any] | None = None


def licence_document(uow, number: str) -> dict[str, str]:
    """What a holder hands to anyone who wants to check the licence (``uow`` entered)."""
    row = _licence(uow.session, number)
    payload = uow.env.protector.open_text(row.payload, _context(number))
    return {"payload": payload, "signature": row.signature, "algorithm": row.algorithm, "key_id": row.key_id}


def licence_view(uow, row: ELicence) -> dict[str, Any]:
    """The licence's columns with its sealed values opened."""
    protector, context = uow.env.protector, _context(row.number)
    view = {c: getattr(row, c) for c in VIEW_COLUMNS}
    view.update(holder_id=protector.open_text(row.holder_id, context),
                holder_name=protector.open_text(row.holder_name, context), data=protector.open(row.data, context))
    return view


def licence_page(uow, number: str) -> str:
    """The printable page as issued."""
    return uow.env.protector.open_text(_licence(uow.session, number).document_html, _context(number))


def verify_document(document: Mapping[str, Any], public_keys: Mapping[str, str]) -> Verification:
    """Check a licence document against the issuer's published keys ({key id: PEM}).

    ``document["payload"]`` may be text or the raw bytes received.
    """
    key_id = document.get("key_id")
    if document.get("algorithm") != ALGORITHM:
        return Verification(False, "unsupported algorithm", key_id)
    if key_id not in public_keys:
        return Verification(False, "unknown signing key", key_id)
    payload = document.get("payload")
    payload = payload.encode("utf-8") if isinstance(payload, str) else payload
    try:
        signature = base64.b64decode(document.get("signature") or "", validate=True)
        key = serialization.load_pem_public_key(public_keys[key_id].encode("ascii"))
        if not isinstance(key, Ed25519PublicKey):
            return Verification(False, "the published key is not an Ed25519 key", key_id)
        key.verify(signature, bytes(payload))
    except (InvalidSignature, binascii.Error, TypeError, ValueError):
        return Verification(False, "the signature does not match the licence", key_id)
    content = json.loads(payload)
    if content.get("key_id") != key_id or content.get("algorithm") != ALGORITHM:
        return Verification(False, "the licence names another key", key_id)
    return Verification(True, None, key_id, content)


def verify_licence(uow, number: str, public_keys: Mapping[str, str]) -> Verification:
    """Check a stored licence: its signature, and that it has not been revoked (``uow`` entered)."""
    row = _licence(uow.session, number)
    result = verify_document(licence_document(uow, number), public_keys)
    if result.valid and row.status != "valid":
        return Verification(False, f"the licence is {row.status}", result.key_id, result.content)
    return result


def revoke_licence(uow, number: str, *, actor: Actor, now: datetime, reason: str) -> None:
    require_aware(now)
    with uow:
        row = _licence(uow.session, number)
        row.status = "revoked"
        history.record(uow, row.case_id, "licence.revoked", actor.user, licence_number=number, reason=reason)
        uow.commit()


def _licence(session, number: str) -> ELicence:
    row = session.get(ELicence, number)
    if row is None:
        raise CaseNotFound("no licence with this number", licence_number=number)
    return row


# -- reuse ------------------------------------------------------------------
def licences_for_holder(uow, holder_id: str, *, now: datetime,
                        licence_type: str | None = None) -> list[dict[str, Any]]:
    """The holder's valid licences, offered to prefill later applications (减证便民); ``uow`` entered.

    Each offer carries the material reference a form field takes instead of an upload.
    Found by the blind index of the holder's number, which is stored only sealed.
    """
    session, protector = uow.session, uow.env.protector
    query = select(ELicence).where(
        ELicence.holder_index == holder_index(protector, holder_id), ELicence.status == "valid",
        or_(ELicence.valid_until.is_(None), ELicence.valid_until > now))
    if licence_type is not None:
        query = query.where(ELicence.licence_type == licence_type)
    rows = session.scalars(query.order_by(ELicence.issued_at.desc(), ELicence.number))
    return [{"number": r.number, "licence_type": r.licence_type, "title": r.title, "issuer": r.issuer,
             "issued_at": r.issued_at, "valid_until": r.valid_until,
             "data": protector.open(r.data, _context(r.number)),
             "reference": licence_reference(r.licence_type, r.number)} for r in rows]


def reseal_licences(env, *, dry_run: bool = False) -> int:
    """Move every licence's sealed values to the current key, seal plaintext ones and compute missing
    blind indexes (rows written before sealing); returns licences changed."""
    changed = 0
    with env.unit_of_work() as uow:
        session, protector = uow.session, env.protector
        for row in session.scalars(select(ELicence).order_by(ELicence.number)):
            context = _context(row.number)
            after = {name: protector.reseal_text(getattr(row, name), context)
                     for name in ("holder_id", "holder_name", "payload", "document_html")}
            after["data"] = protector.reseal(row.data, context, whole=True)
            after["holder_index"] = holder_index(protector, protector.open_text(row.holder_id, context))
            moved = {name: value for name, value in after.items() if value != getattr(row, name)}
            if moved:
                changed += 1
                if not dry_run:
                    for name, value in moved.items():
                        setattr(row, name, value)
        if not dry_run:
            uow.commit()
    return changed


HOLDER_INDEX = "licence.holder"


def holder_index(protector, holder_id: str) -> str:
    """The blind index of a holder's number: equal numbers, equal index; the number itself is not in it."""
    return protector.blind_index(holder_id, HOLDER_INDEX)


def _context(number: str) -> str:
    """What a licence's sealed values are bound to: they open only as this licence's."""
    return f"licence:{number}"
