"""Binding the audit trail to HTTP calls.

A state-changing endpoint declares its action; its use case gets a unit of work
from :func:`work`, whose ``before_commit`` writes the "ok" record inside the same
transaction as the change. When the call fails, the record ("denied" or "failed")
is written in its own transaction, since the main one rolled back. Refused reads
(403, and 404 for objects the caller may not know of) are recorded the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import g, request

from . import audit
from .auth import current_principal, env, source_address
from .masking import mask


@dataclass
class AuditContext:
    action: str
    object_type: str | None
    object_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    # Finds the object id in the unit of work when it is created by the call itself.
    object_from: Callable[[Any], str | None] | None = None
    case_id: str | None = None
    written: bool = False


def created(model) -> Callable[[Any], str | None]:
    """Finds the id of the ``model`` row a call created, for records written before its commit."""

    def find(uow) -> str | None:
        ids = sorted(str(o.id) for o in list(uow.session.identity_map.values()) if isinstance(o, model))
        return ",".join(ids) or None

    return find


def begin(action: str, object_type: str | None, object_id: str | None = None) -> AuditContext:
    g.audit = AuditContext(action, object_type, object_id)
    return g.audit


def context() -> AuditContext | None:
    return g.get("audit")


def _actor_name() -> str | None:
    principal = g.get("principal")
    if principal is None and "principal" not in g:
        # Refused before any handler ran (a method the route does not offer): who was it?
        try:
            principal = current_principal()
        except Exception:  # noqa: BLE001 - bad credentials: the record names nobody
            principal = None
    if principal is not None:
        return principal.username
    return g.get("attempted_user")


def work():
    """A unit of work whose commit also appends this call's audit record."""
    uow = env().unit_of_work()
    ctx = context()
    if ctx is None:
        return uow

    def write(unit) -> None:
        if ctx.object_id is None and ctx.object_from is not None:
            ctx.object_id = ctx.object_from(unit)
        audit.append(unit.session, action=ctx.action, result="ok", actor=_actor_name(),
                     source=source_address(), object_type=ctx.object_type, object_id=ctx.object_id,
                     case_id=_case_id(ctx), details=mask(ctx.details))

    def committed() -> None:
        ctx.written = True

    uow.before_commit(write)
    uow.after_commit(committed)
    return uow


def finish_ok() -> None:
    """A call that changed nothing (e.g. claiming a task one already holds) is recorded too."""
    ctx = context()
    if ctx is not None and not ctx.written:
        _write_alone(ctx, "ok", {})


def record_failure(status: int, *, refused: bool) -> None:
    """Record a failed state-changing call, or a refused read, in its own transaction."""
    ctx = context()
    if g.get("audit_written_by_use_case"):
        return
    if ctx is None:
        if not refused or request.method == "OPTIONS":
            return
        ctx = AuditContext(f"{request.method.lower()} {request.url_rule.rule if request.url_rule else request.path}",
                           None, None)
        g.audit = ctx
    if ctx.written:
        return
    _write_alone(ctx, "denied" if refused else "failed", {"status": status})


def _case_id(ctx: AuditContext) -> str | None:
    if ctx.case_id is None and ctx.object_type in ("instance", "case") and ctx.object_id:
        return str(ctx.object_id)[:36]
    return ctx.case_id


def _write_alone(ctx: AuditContext, result: str, extra: dict[str, Any]) -> None:
    uow = env().unit_of_work()
    with uow:
        audit.append(uow.session, action=ctx.action, result=result, actor=_actor_name(),
                     source=source_address(), object_type=ctx.object_type, object_id=ctx.object_id,
                     case_id=_case_id(ctx), details=mask({**ctx.details, **extra}))
        uow.commit()
    ctx.written = True


READ_IN_FULL = "personal-data.read"


def record_read(object_type: str, object_id: str, case_id: str | None) -> None:
    """Record that the caller was shown personal identifiers in full (its own transaction)."""
    _write_alone(AuditContext(READ_IN_FULL, object_type, str(object_id), case_id=case_id), "ok", {})
