"""Roles, the permissions each grants, and the scopes an API token can be limited to.

Separation of duties (三员分立 / 三权分立, MLPS level 3): the system administrator, the
security administrator (accounts and roles) and the auditor are three different people,
so no account may hold two of those roles, nor any business role beside one of them
(an auditor who is also a clerk would audit their own work).
"""

from __future__ import annotations

ROLES = {
    "admin": "system administrator: incidents, suspending and cancelling cases",
    "security_admin": "security administrator: users, groups, roles, tokens",
    "designer": "policy staff (事项编制): deploy processes and forms",
    "clerk": "comprehensive window (综合窗口): accept cases, work window tasks",
    "approver": "department back office (后台审批): work department tasks",
    "supervisor": "electronic supervision (电子监察): watch every case",
    "auditor": "security auditor: read the audit trail",
    "applicant": "citizen or company: apply and follow their own cases",
    "integrator": "connected system: deploy, start and read through API tokens",
}

REGION_LEVELS = ["province", "city", "county", "township", "village"]

EXCLUSIVE_ROLES = frozenset({"admin", "security_admin", "auditor"})

PERMISSIONS = {
    "definitions:read": "list and download process definitions and forms",
    "definitions:deploy": "upload process definitions, forms and bundles",
    "instances:start": "start cases",
    "instances:read": "read cases one may see",
    "instances:read_all": "read every case",
    "instances:manage": "cancel, suspend and resume cases",
    "messages:correlate": "send messages to waiting cases",
    "tasks:work": "see, claim and complete tasks of one's groups",
    "incidents:manage": "list and retry incidents",
    "audit:read": "read the audit trail",
    "accounts:manage": "administer users, groups, roles and regions",
    "licences:issue": "issue e-licences (电子证照) for approved cases one handles",
    "licences:revoke": "revoke e-licences",
    "supervision:read": "watch lights, notices, poor ratings and statistics of every case (电子监察)",
    "supervision:act": "acknowledge notices and record the follow-up of poor ratings",
    "supervision:sweep": "mark every open case's lights now",
    "calendar:manage": "declare local holidays and make-up working days",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"definitions:read", "instances:read", "instances:read_all", "instances:manage",
                        "incidents:manage", "licences:revoke", "supervision:sweep", "calendar:manage"}),
    "security_admin": frozenset({"accounts:manage"}),
    "designer": frozenset({"definitions:read", "definitions:deploy"}),
    "clerk": frozenset({"definitions:read", "instances:start", "instances:read", "tasks:work", "licences:issue"}),
    "approver": frozenset({"definitions:read", "instances:read", "tasks:work", "licences:issue"}),
    "supervisor": frozenset({"definitions:read", "instances:read", "instances:read_all", "instances:manage",
                             "supervision:read", "supervision:act", "supervision:sweep", "licences:revoke"}),
    "auditor": frozenset({"instances:read", "instances:read_all", "audit:read"}),
    "applicant": frozenset({"definitions:read", "instances:start", "instances:read", "tasks:work"}),
    "integrator": frozenset({"definitions:read", "definitions:deploy", "instances:start", "instances:read",
                             "messages:correlate"}),
}

# What a token scope allows; a token gets the intersection with its owner's roles,
# and never "tasks:work" (tasks are worked by people).
SCOPES: dict[str, frozenset[str]] = {
    "read": frozenset({"definitions:read", "instances:read", "instances:read_all", "supervision:read"}),
    "deploy": frozenset({"definitions:read", "definitions:deploy"}),
    "start": frozenset({"instances:start", "instances:read"}),
    "correlate": frozenset({"messages:correlate"}),
}

# Roles whose holders see resident ID numbers and the like in full (they handle the case).
UNMASKED_ROLES = frozenset({"clerk", "approver"})


def permissions_of(roles: set[str] | frozenset[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


def token_permissions(roles, scopes) -> frozenset[str]:
    allowed: set[str] = set()
    for scope in scopes:
        allowed |= SCOPES.get(scope, frozenset())
    return permissions_of(roles) & allowed - {"tasks:work"}


def exclusive_violation(roles) -> list[str]:
    """The roles that may not be held together, sorted; empty when allowed.

    An administrator role excludes the other two and every business role.
    """
    roles = set(roles)
    held = sorted(EXCLUSIVE_ROLES & roles)
    if not held or (len(held) == 1 and roles <= EXCLUSIVE_ROLES):
        return []
    return held + sorted(roles - EXCLUSIVE_ROLES)
