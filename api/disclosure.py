"""What of a case a caller gets to see in full, and what is masked."""

from __future__ import annotations

from typing import Any

from .accounts import Principal
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


def disclose_case(principal: Principal, case: dict[str, Any], *, copy_only: bool = False) -> dict[str, Any]:
    """The case as the caller may see it; ``copy_only``: they read it as a copy (抄送), not as a handler."""
    if sees_identifiers(principal, case) and not copy_only:
        return case
    return {**case, "data": mask(case["data"]), "history": mask(case["history"]),
            "business_key": mask(case["business_key"]),
            "current_tasks": [in_list(t) for t in case["current_tasks"]]}
