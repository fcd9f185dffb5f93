"""Browser sessions and API tokens: random secrets handed out once, stored only as hashes.

A session id is stored as HMAC-SHA256 keyed by the installation secret (a stolen
table cannot be replayed without it); an API token as its SHA-256, so rotating the
secret logs browsers out but leaves integrators' tokens working.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from engine.models import utcnow

from .accounts import Principal, principal_for, supervised_regions
from .errors import Invalid, NotFound
from .models import ApiToken, Group, Membership, User, UserRole, WebSession
from .permissions import SCOPES, permissions_of, token_permissions

TOKEN_PREFIX = "yw_"
# last_seen_at is written at most this often, not on every request.
TOUCH_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    max_age: timedelta


def _keyed(key: bytes, raw: str) -> str:
    return hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()


def csrf_token(key: bytes, raw_session_id: str) -> str:
    """The CSRF token that goes with a session: derived, so nothing more is stored."""
    return _keyed(key, f"csrf:{raw_session_id}")


def csrf_matches(key: bytes, raw_session_id: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(csrf_token(key, raw_session_id), presented)


# -- sessions ---------------------------------------------------------------
def start_session(uow, user_id: int, *, key: bytes, source: str | None = None, stage: str | None = None,
                  replacing: str | None = None) -> str:
    """A new session id (shown once, to the browser). ``stage="enrol"``: it may only set up a second factor.

    ``replacing``: the raw id of a session that ends now (a new id whenever privileges change).
    """
    raw = secrets.token_urlsafe(32)
    with uow:
        if replacing:
            uow.session.execute(delete(WebSession).where(WebSession.id_hash == _keyed(key, replacing)))
        uow.session.add(WebSession(id_hash=_keyed(key, raw), user_id=user_id, source=source, stage=stage))
        uow.commit()
    return raw


def resolve_session(uow, raw: str, *, key: bytes, policy: SessionPolicy) -> Principal | None:
    """The session's user, or None when it is unknown, idle too long, too old or the user is disabled."""
    now, id_hash = utcnow(), _keyed(key, raw)
    with uow:
        session = uow.session
        rows = session.execute(_SESSION_WITH_USER, {"id_hash": id_hash}).all()
        if not rows:
            return None
        found = rows[0]
        expired = now - found.last_seen_at > policy.idle or now - found.created_at > policy.max_age
        if expired or found.username is None or not found.active:
            session.execute(delete(WebSession).where(WebSession.id_hash == id_hash))
            uow.commit()
            return None
        if now - found.last_seen_at > TOUCH_EVERY:
            session.execute(update(WebSession).where(WebSession.id_hash == id_hash).values(last_seen_at=now))
            uow.commit()
        roles = frozenset(r.role for r in rows if r.role is not None)
        groups = frozenset(r.group_name for r in rows if r.group_name is not None)
        if found.stage is not None:  # nothing but the step it is for (a second factor to set up)
            return Principal(found.user_id, found.username, roles, groups, frozenset(), stage=found.stage)
        return Principal(found.user_id, found.username, roles, groups, permissions_of(roles),
                         regions=supervised_regions(session, roles, groups))


# A request's caller in one statement: the session, its user, and (one row per role x group) what they hold.
_SESSION_WITH_USER = (
    select(WebSession.user_id, WebSession.created_at, WebSession.last_seen_at, WebSession.stage, User.username,
           User.active, UserRole.role, Group.name.label("group_name"))
    .outerjoin(User, User.id == WebSession.user_id)
    .outerjoin(UserRole, UserRole.user_id == WebSession.user_id)
    .outerjoin(Membership, Membership.user_id == WebSession.user_id)
    .outerjoin(Group, Group.id == Membership.group_id)
    .where(WebSession.id_hash == bindparam("id_hash"))
)


def end_session(uow, raw: str, *, key: bytes) -> None:
    with uow:
        uow.session.execute(delete(WebSession).where(WebSession.id_hash == _keyed(key, raw)))
        uow.commit()


def end_sessions_of(uow, user_id: int) -> None:
    with uow:
        uow.session.execute(delete(WebSession).where(WebSession.user_id == user_id))
        uow.commit()


# -- API tokens -------------------------------------------------------------
def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(uow, user_id: int, *, name: str, scopes, expires_at: datetime | None = None) -> tuple[int, str]:
    """Returns (token id, the token itself): the token is shown once and never again."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise Invalid("scopes must be some of " + ", ".join(sorted(SCOPES)),
                      errors=[{"pointer": "/scopes", "message": f"unknown scope {s!r}"} for s in unknown]
                      or [{"pointer": "/scopes", "message": "at least one scope"}])
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with uow:
        if uow.session.get(User, user_id) is None:
            raise NotFound("no user with this id", user_id=user_id)
        token = ApiToken(user_id=user_id, name=name, token_hash=_token_hash(raw), prefix=raw[:10],
                         scopes=sorted(set(scopes)), expires_at=expires_at)
        uow.session.add(token)
        uow.session.flush()
        uow.commit()
        return token.id, raw


def resolve_token(uow, raw: str) -> Principal | None:
    now = utcnow()
    with uow:
        token = uow.session.scalars(select(ApiToken).where(ApiToken.token_hash == _token_hash(raw))).first()
        if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
            return None
        user = uow.session.get(User, token.user_id)
        if user is None or not user.active:
            return None
        if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
            uow.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        base = principal_for(uow.session, user.id)
        uow.commit()
    scopes = frozenset(token.scopes or [])
    return Principal(base.user_id, base.username, base.roles, base.groups,
                     token_permissions(base.roles, scopes), via="token", token_id=token.id, scopes=scopes,
                     regions=base.regions)


def list_tokens(session: Session, user_id: int | None = None) -> list[ApiToken]:
    query = select(ApiToken)
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(session.scalars(query.order_by(ApiToken.id)))


def get_token(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("no token with this id", token_id=token_id)
    return token


def revoke_token(uow, token_id: int) -> None:
    with uow:
        token = get_token(uow.session, token_id)
        if token.revoked_at is None:
            token.revoked_at = utcnow()
        uow.commit()
