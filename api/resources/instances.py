"""Cases: start (idempotent), list, read, cancel, suspend, resume; message correlation."""

from __future__ import annotations

from flask import Blueprint, request

from engine import events, runtime

from .. import access, cases, idempotency
from ..auditing import context, work
from ..auth import actor, reading, require_principal
from ..disclosure import disclose_case, in_list
from ..endpoint import IDEMPOTENCY_KEY, REPLAYED, Reply, endpoint, idempotency_claim
from ..errors import Forbidden
from ..schemas.common import ReasonSchema
from ..schemas.instances import (
    CorrelationResultSchema,
    InstancePageSchema,
    InstanceQuerySchema,
    InstanceSchema,
    InstanceSummarySchema,
    MessageSchema,
    StartSchema,
    StatusSchema,
)

bp = Blueprint("instances", __name__)


def _case(instance_id: str, principal, *, read: bool = False) -> dict:
    """The case as the caller may see it; ``read``: a read on its own (audited when in full), not the
    reply to a change the audit trail records anyway."""
    with reading() as uow:
        access.require_instance(uow.session, principal, instance_id)
        copy_only = access.sees_only_as_copy(uow.session, principal, instance_id)
        view = cases.case_view(uow, instance_id)
        fields = uow.personal_fields.get(instance_id, frozenset())
    return disclose_case(principal, view, copy_only=copy_only, fields=fields, audited=read)


@bp.post("/instances")
@endpoint("Start a case", permission="instances:start", body=StartSchema(), response=InstanceSchema(),
          status=201, statuses=(200,), headers=(IDEMPOTENCY_KEY,), errors=(404, 409),
          response_headers={"Location": "the case", **REPLAYED},
          audit=("instance.started", "instance"))
def start(body):
    principal = require_principal()
    applicant = body["applicant"]
    if not access.is_staff(principal) and "applicant" in principal.roles:
        if applicant not in (None, principal.username):
            raise Forbidden("applicants apply for themselves")
        applicant = principal.username
    ctx = context()
    ctx.object_from = cases.created_instance_id
    ctx.details = {"process_id": body["process_id"], "definition_id": body["definition_id"],
                   "business_key": body["business_key"], "applicant": applicant}
    instance_id, replayed = cases.start_case(
        work(), actor=actor(principal), process_id=body["process_id"], definition_id=body["definition_id"],
        data=body["data"], business_key=body["business_key"], applicant=applicant,
        claim=idempotency_claim("instances", body))
    ctx.object_id = instance_id
    headers = {"Location": f"{request.path}/{instance_id}"}
    if replayed:
        ctx.details["replayed"] = True
        headers["Idempotency-Replayed"] = "true"
    return Reply({**_case(instance_id, principal), "replayed": replayed}, 200 if replayed else 201, headers)


@bp.get("/instances")
@endpoint("Cases I may see, newest first", permission="instances:read", query=InstanceQuerySchema(),
          response=InstancePageSchema())
def list_instances(query):
    with reading() as uow:
        rows, total = cases.list_cases(uow.session, require_principal(), **query)
    items = [in_list({c: getattr(r, c) for c in InstanceSummarySchema().fields}) for r in rows]
    return {"items": items, "total": total, "limit": query["limit"], "offset": query["offset"]}


@bp.get("/instances/<instance_id>")
@endpoint("A case: state, current steps, data I may see, history", permission="instances:read",
          response=InstanceSchema(), errors=(404,))
def get_instance(instance_id):
    return _case(instance_id, require_principal(), read=True)


def _change(instance_id: str, use_case, **kwargs) -> dict:
    principal = require_principal()
    with reading() as uow:
        access.require_instance(uow.session, principal, instance_id)
    use_case(work(), instance_id, actor=actor(principal), **kwargs)
    with reading() as uow:
        return {"id": instance_id, "status": cases.status_of(uow.session, instance_id)}


@bp.post("/instances/<instance_id>/cancel")
@endpoint("Cancel a case", permission="instances:manage", body=ReasonSchema(), response=StatusSchema(),
          errors=(404, 409), audit=("instance.cancelled", "instance"), audit_id="instance_id")
def cancel(instance_id, body):
    return _change(instance_id, runtime.cancel_instance, reason=body["reason"])


@bp.post("/instances/<instance_id>/suspend")
@endpoint("Suspend a case (its steps wait until resumed)", permission="instances:manage", body=ReasonSchema(),
          response=StatusSchema(), errors=(404, 409), audit=("instance.suspended", "instance"),
          audit_id="instance_id")
def suspend(instance_id, body):
    return _change(instance_id, runtime.suspend_instance, reason=body["reason"])


@bp.post("/instances/<instance_id>/resume")
@endpoint("Resume a suspended case", permission="instances:manage", response=StatusSchema(), errors=(404, 409),
          audit=("instance.resumed", "instance"), audit_id="instance_id")
def resume(instance_id):
    return _change(instance_id, runtime.resume_instance)


@bp.post("/messages")
@endpoint("Deliver a message to waiting cases (or start one by message)", permission="messages:correlate",
          body=MessageSchema(), response=CorrelationResultSchema(), headers=(IDEMPOTENCY_KEY,), errors=(404, 409),
          response_headers=REPLAYED, audit=("message.correlated", "message"),
          description="Only cases of the processes the security administrator granted the caller's account "
                      "(PUT /users/{id}/processes), cases that reached its groups, and cases it started are "
                      "candidates; a message start opens a case only of a granted process. Anything else is "
                      "answered 404, as if no case were waiting.")
def correlate(body):
    ctx = context()
    ctx.details = {"name": body["name"], "business_key": body["business_key"]}
    ctx.object_id = body["name"]

    principal = require_principal()
    with reading() as uow:  # the caller's reach: granted processes, its departments, what it started
        within = access.correlation_condition(uow.session, principal)
        may_start = access.granted_processes(uow.session, principal)

    def deliver(uow) -> list[str]:
        return events.correlate_message(uow, body["name"], body["payload"], correlations=body["correlations"],
                                        business_key=body["business_key"], instance_id=body["instance_id"],
                                        actor=actor(), within=within, may_start=may_start)

    caught, replayed = idempotency.run_once(work(), idempotency_claim("messages", body), deliver)
    if not replayed:
        return {"instance_ids": caught}
    ctx.details["replayed"] = True
    return Reply({"instance_ids": caught}, headers={"Idempotency-Replayed": "true"})
