"""E-licences (电子证照): issue on approval, read and download, verify (anyone), revoke.

Verification is public: by number (the stored licence, revocation included) or by
the document a holder hands over (payload + signature), checked against the
issuer's published key; changing one byte of either makes it fail.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response
from marshmallow import Schema

from processes import licences
from processes.case_errors import CaseNotFound
from processes.cases import mask_id
from processes.licence_models import ELicence

from .. import access, case_work
from ..auditing import context, record_read, work
from ..auth import actor, reading, require_principal
from ..case_settings import now, signer
from ..disclosure import sees_identifiers
from ..endpoint import Reply, endpoint
from ..errors import Forbidden
from ..masking import mask, mask_name
from ..schemas.licences import (
    LicenceDocumentSchema,
    LicenceIssueSchema,
    LicenceSchema,
    PublicKeysSchema,
    RevokeSchema,
    LicenceVerificationSchema,
)

bp = Blueprint("licences", __name__)
FILE = Schema()


def _licence(number: str, *, in_full: bool = False) -> dict:
    """The licence, if the caller may see its case (404 otherwise); identifiers masked unless they need them.

    ``in_full``: the caller wants what can only be given whole (the signed document, the page): refused
    (403) to those who may see the case but not its identifiers. A read in full is audited.
    """
    principal = require_principal()
    with reading() as uow:
        row = uow.session.get(ELicence, number)
        if row is None:
            raise CaseNotFound("no licence with this number", licence_number=number)
        access.require_instance(uow.session, principal, row.case_id)
        applicants = access.case_applicants(uow.session, row.case_id)
        view = licences.licence_view(uow, row)
    if context() is not None:
        context().case_id = view["case_id"]
    if sees_identifiers(principal, {"applicants": applicants}):
        record_read("licence", number, view["case_id"])
        return view
    if in_full:
        raise Forbidden("the licence document shows its holder's identifiers in full; only the holder and "
                        "staff handling the case may download it", licence_number=number)
    if view["holder_kind"] != "person":  # a company's name and licence are public; its code is masked as before
        return {**view, "holder_id": mask_id(view["holder_id"]), "data": mask(view["data"])}
    # A person's licence is about them throughout: every value keeps its first character only.
    return {**view, "holder_id": mask_id(view["holder_id"]), "holder_name": mask_name(view["holder_name"]),
            "data": mask(view["data"], frozenset(view["data"]))}


@bp.post("/cases/<case_id>/licences")
@endpoint("Issue the e-licence of an approved case, signed (Ed25519)", permission="licences:issue",
          body=LicenceIssueSchema(), response=LicenceSchema(), status=201, errors=(404, 409, 503),
          response_headers={"Location": "the licence"}, audit=("licence.issued", "licence"))
def issue(case_id, body):
    context().case_id = case_id
    with reading() as uow:
        access.require_handling(uow.session, require_principal(), case_id)
    with reading() as uow:
        defaults = case_work.licence_defaults(uow.session, case_id)
    values = {k: body[k] if body.get(k) is not None else defaults[k]
              for k in ("licence_type", "title", "issuer", "holder_kind")}
    context().details = {"licence_type": values["licence_type"]}
    context().object_from = lambda unit: next(
        (o.number for o in list(unit.session.identity_map.values()) if isinstance(o, ELicence)), None)
    number = licences.issue_licence(
        work(), case_id, holder_id=body["holder_id"], holder_name=body["holder_name"], data=body["data"],
        valid_until=body["valid_until"], signer=signer(), actor=actor(), now=now(), **values)
    return Reply(_licence(number), headers={"Location": f"/api/v1/licences/{quote(number)}"})


@bp.get("/licences/<number>")
@endpoint("An e-licence (the holder, and staff who may see its case)", permission="instances:read",
          response=LicenceSchema(), errors=(404,))
def get_licence(number):
    return _licence(number)


@bp.get("/licences/<number>/document")
@endpoint("Download the signed licence document (payload, signature, key id) to hand to a verifier",
          permission="instances:read", response=LicenceDocumentSchema(), errors=(403, 404))
def document(number):
    _licence(number, in_full=True)
    with reading() as uow:
        return licences.licence_document(uow, number)


@bp.get("/licences/<number>/html")
@endpoint("The licence as a printable page", permission="instances:read", response=FILE, produces="text/html",
          errors=(403, 404))
def html(number):
    _licence(number, in_full=True)
    with reading() as uow:
        page = licences.licence_page(uow, number)
    return Response(page, mimetype="text/html")


@bp.get("/licences/keys")
@endpoint("The issuer's published public keys, to verify licences offline", public=True,
          response=PublicKeysSchema(), errors=(503,))
def keys():
    return {"algorithm": licences.ALGORITHM, "keys": signer().public_keys()}


def _verification(result, row: ELicence | None) -> dict:
    content = result.content or {}
    if result.valid and row is not None and row.status != "valid":
        return {"valid": False, "reason": f"the licence is {row.status}", "key_id": result.key_id,
                "number": row.number}
    return {"valid": result.valid, "reason": result.reason, "key_id": result.key_id,
            "number": content.get("number") or (row.number if row else None), "title": content.get("title"),
            "issuer": content.get("issuer"), "issued_at": content.get("issued_at")}


@bp.get("/licences/<number>/verify")
@endpoint("Verify a stored licence by its number (anyone): signature and revocation", public=True,
          response=LicenceVerificationSchema(), errors=(404, 503))
def verify_number(number):
    with reading() as uow:
        result = licences.verify_licence(uow, number, signer().public_keys())
        return _verification(result, uow.session.get(ELicence, number))


@bp.post("/licences/verify")
@endpoint("Verify a licence document (anyone): one changed byte of payload or signature fails", public=True,
          body=LicenceDocumentSchema(), response=LicenceVerificationSchema(), errors=(503,))
def verify_document(body):
    result = licences.verify_document(body, signer().public_keys())
    row = None
    if result.valid:
        with reading() as uow:
            row = uow.session.get(ELicence, str(result.content.get("number")))
    return _verification(result, row)


@bp.post("/licences/<number>/revoke")
@endpoint("Revoke a licence", permission="licences:revoke", body=RevokeSchema(), response=LicenceSchema(),
          errors=(404,), audit=("licence.revoked", "licence"), audit_id="number")
def revoke(number, body):
    _licence(number)
    licences.revoke_licence(work(), number, actor=actor(), now=now(), reason=body["reason"])
    return _licence(number)
