"""The audit trail: global (auditors), per case, and the chain check."""

from __future__ import annotations

from flask import Blueprint

from .. import access, audit, audit_anchor
from ..auth import reading, require_principal
from ..endpoint import endpoint
from ..errors import Forbidden
from ..schemas.audit import AuditQuerySchema, AuditRecordSchema, VerificationSchema
from ..schemas.common import PageQuerySchema

bp = Blueprint("audit", __name__)


@bp.get("/audit")
@endpoint("The audit trail, newest first", permission="audit:read", query=AuditQuerySchema(),
          response=AuditRecordSchema(many=True))
def list_records(query):
    with reading() as uow:
        return audit.list_records(uow.session, **query)


@bp.get("/audit/verify")
@endpoint("Verify the hash chain; names the first broken link", permission="audit:read",
          response=VerificationSchema())
def verify():
    with reading() as uow:
        result = audit.verify(uow.session)
        anchors = audit_anchor.check(uow.session)
    return {**result.__dict__, "ok": result.ok and anchors.ok, "summary": f"{result}; {anchors}",
            "checkpoints": anchors.checked, "checkpoints_ok": anchors.ok}


@bp.get("/instances/<instance_id>/audit")
@endpoint("The audit trail of one case (auditors and supervisors)", permission="instances:read",
          query=PageQuerySchema(), response=AuditRecordSchema(many=True), errors=(404,))
def case_records(instance_id, query):
    principal = require_principal()
    if not (principal.may("audit:read") or principal.may("instances:manage") and principal.may("instances:read_all")):
        raise Forbidden("the audit trail of a case is for auditors and supervisors")
    with reading() as uow:
        access.require_instance(uow.session, principal, instance_id)
        return audit.list_records(uow.session, case_id=instance_id, **query)
