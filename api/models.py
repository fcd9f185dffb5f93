"""Tables the web service owns: accounts, the organisation, tokens, sessions, and case extras.

(Service items are the catalogue's: ``catalogue_item_version`` in :mod:`processes.catalogue`.)

Identities are separate from users (``identity``: provider + subject -> user), so
single sign-on (OIDC) can be added beside local passwords without changing users.
Secrets are never stored: passwords as argon2 hashes, session ids and API tokens
as hashes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base

from . import audit_guard
from engine.models import UtcDateTime, utcnow


class Region(Base):
    """A place in the administrative hierarchy: province → city → county → township → village."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)  # e.g. 320500 (苏州市)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))  # province | city | county | township | village
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))


class Group(Base):
    """A department or a window inside a region; task candidate groups name these."""

    __tablename__ = "user_group"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)  # what BPMN candidateGroups say
    title: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20), default="department")  # department | window
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    # argon2id; None for accounts that only sign in through an external identity provider.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Set when a security administrator resets the password: that password only lets its
    # holder choose a new one, it starts no session (三权分立: the reset cannot be used to
    # sign in as the user).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Where the last successful sign-in came from: failed logins of others elsewhere do not slow it.
    last_login_source: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # The TOTP secret (api/second_factor.py), sealed with a key held outside the database
    # (api/sealing.py); set when enrolment starts, in use once ``second_factor_enrolled_at`` is.
    second_factor_secret: Mapped[str | None] = mapped_column(Text)
    second_factor_enrolled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The last time step whose code signed in: a code is accepted once (RFC 6238, 5.2).
    second_factor_last_step: Mapped[int | None] = mapped_column(Integer)


class PasswordHistory(Base):
    """An account's earlier passwords (argon2id hashes), so a new one is none of the last few."""

    __tablename__ = "password_history"
    __table_args__ = (Index("ix_password_history_user", "user_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    password_hash: Mapped[str] = mapped_column(String(255))
    replaced_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class RecoveryCode(Base):
    """A one-time code that stands in for the authenticator once; stored as its SHA-256 only."""

    __tablename__ = "recovery_code"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class LoginThrottle(Base):
    """Failed logins of one account from one client address: a growing delay, then a lock.

    Keyed by the name tried (known or not), so an unknown name behaves like a known one.
    A success from that client removes the row; a security administrator's unlock
    removes every row of the account.
    """

    __tablename__ = "login_throttle"
    __table_args__ = (Index("ix_login_throttle_last", "last_failed_at"),)

    username: Mapped[str] = mapped_column(String(150), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # No attempt from this client for this account is checked before then.
    blocked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Identity(Base):
    """Who a user is to an identity provider: ("local", username), ("oidc:gov", sub) ..."""

    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(255))


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)


class Membership(Base):
    __tablename__ = "group_membership"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("user_group.id", ondelete="CASCADE"), primary_key=True)


class ApiToken(Base):
    """A bearer token for integrators: scoped, revocable, stored only as its SHA-256."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists so owners can tell tokens apart
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebSession(Base):
    """A browser session; the cookie holds a random id, this row its keyed hash."""

    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    source: Mapped[str | None] = mapped_column(String(64))
    # None: a full session. "enrol": an administrator who has no second factor yet; the session
    # may only set one up (api/second_factor.py) and grants nothing else.
    stage: Mapped[str | None] = mapped_column(String(20))


class CaseParty(Base):
    """The applicant a case belongs to (an applicant sees only these cases)."""

    __tablename__ = "case_party"
    __table_args__ = (Index("ix_case_party_user", "username"),)

    instance_id: Mapped[str] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"), primary_key=True
    )
    username: Mapped[str] = mapped_column(String(150), primary_key=True)


class IdempotencyRecord(Base):
    """A start request's Idempotency-Key and the case it started, per caller."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("username", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class TaskComment(Base):
    """A comment or an approval opinion (审批意见) on a task; never edited."""

    __tablename__ = "task_comment"
    __table_args__ = (Index("ix_task_comment_task", "task_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("work_task.id", ondelete="CASCADE"))
    instance_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))  # comment | opinion
    # For opinions: agree | disagree | abstain.
    verdict: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(150))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AuditRecord(Base):
    """One audited call. Append-only and hash-chained: see :mod:`api.audit`."""

    __tablename__ = "audit_record"
    __table_args__ = (
        Index("ix_audit_record_object", "object_type", "object_id"),
        Index("ix_audit_record_case", "case_id"),
        UniqueConstraint("seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Position in the chain (1, 2, ...), assigned while holding the chain's lock.
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(150))
    source: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(255))
    # The case the call concerned, if any (a task's case, or the case itself).
    case_id: Mapped[str | None] = mapped_column(String(36))
    result: Mapped[str] = mapped_column(String(20))  # ok | denied | failed
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # True: ``hash`` is an HMAC under the audit key (api/audit_keys.py); False: a plain SHA-256,
    # as records written before the chain was keyed are.
    keyed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


audit_guard.install_on(AuditRecord.__table__)


class AuditHead(Base):
    """The chain's tip; the row every append locks, so appends are serialized everywhere."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appended: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    # Names the chain in its signed checkpoints (api/audit_anchor.py); set with the first record.
    chain_id: Mapped[str | None] = mapped_column(String(32))


class ProcessGrant(Base):
    """A process whose cases an account (a connected system) may send messages to.

    Granted by the security administrator, never by the account itself: an integrator's
    token correlates messages only to cases of its granted processes, cases that reached
    its departments (groups), and cases it started itself (see :func:`api.access.correlation_condition`).
    """

    __tablename__ = "process_grant"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    process_id: Mapped[str] = mapped_column(String(255), primary_key=True)
