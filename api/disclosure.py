"""What of a case a caller gets to see in full, and what is masked; full reads are audited.

Masked: ID and mobile numbers wherever they appear, and the values of the fields the
case's forms mark as personal (names). A caller who may see them in full gets them,
and the audit trail records that read (``personal-data.read``, with the case), so an
auditor can tell who looked at whose identifiers.
"""

from __future__ import annotations

from typing import Any

from .accounts import Principal
from .auditing import record_read
from .masking import mask
from .permissions import UNMASKED_ROLES


def sees_identifiers(principal: Principal, case: dict[str, Any]) -> bool:
    """Clerks and approvers handle cases and need identifiers; applicants see their own."""
    if principal.via == "session" and UNMASKED_ROLES & principal.roles:
        return True
    return principal.username in case.get("applicants", ()) or (
        "applicant" in principal.roles and case.get("started_by") == principal.username)


def in_list(row: dict[str, Any]) -> dict[str, Any]:
    """Lists never show identifiers in full, whoever reads them (a business key may be one)."""
    return {**row, "business_key": mask(row.get("business_key"))}


def disclose_case(principal: Principal, case: dict[str, Any], *, copy_only: bool = False,
                  fields: frozenset[str] = frozenset(), audited: bool = True) -> dict[str, Any]:
    """The case as the caller may see it; ``copy_only``: they read it as a copy (抄送), not as a handler.

    ``fields``: the personal fields of the case's forms; ``audited``: record a read in full (not for
    the reply to a change, which has its own record).
    """
    masked = {**case, "data": mask(case["data"], fields), "history": mask(case["history"], fields),
              "business_key": mask(case["business_key"]),
              "current_tasks": [in_list(t) for t in case["current_tasks"]]}
    if sees_identifiers(principal, case) and not copy_only:
        if audited and masked != case:
            record_read("instance", case["id"], case["id"])
        return case
    return masked


def disclose_data(principal: Principal, case: dict[str, Any], data: Any, *, object_type: str, object_id: str,
                  case_id: str, fields: frozenset[str] = frozenset()) -> Any:
    """Data of a case (a task's form data, a licence's holder) as the caller may see it."""
    masked = mask(data, fields)
    if not sees_identifiers(principal, case):
        return masked
    if masked != data:
        record_read(object_type, object_id, case_id)
    return data
