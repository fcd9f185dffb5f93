"""Use cases for accounts: users, passwords and lockout, roles, groups and regions.

Each takes a unit of work (or a session, for reads) and plain values; those that
change something commit once. Passwords and their rule are :mod:`api.passwords`'s;
the administrators' second factor is :mod:`api.second_factor`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, literal, select, union_all
from sqlalchemy.orm import Session

from engine.models import utcnow

from . import audit, login_throttle, passwords, second_factor
from .errors import (
    Conflict,
    CredentialsResetPending,
    Invalid,
    LoginFailed,
    LoginThrottled,
    NotFound,
    PasswordChangeRequired,
    RolesConflict,
    SecondFactorFailed,
    SecondFactorRequired,
)
from .models import Group, Identity, Membership, Region, User, UserRole
from .permissions import REGION_LEVELS, ROLES, exclusive_violation, permissions_of

LOCAL = "local"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user with roles and groups, through a session or a token."""

    user_id: int
    username: str
    roles: frozenset[str]
    groups: frozenset[str]
    permissions: frozenset[str]
    via: str = "session"  # session | token | internal
    token_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    # A supervisor's view: the region codes they watch (their groups' regions and every region below),
    # or None for the whole installation. Only supervisors are limited by region.
    regions: frozenset[str] | None = None
    # "enrol": an administrator's session that may only set up its second factor (no permissions).
    stage: str | None = None

    def may(self, permission: str) -> bool:
        return permission in self.permissions


@dataclass(frozen=True)
class LockoutPolicy:
    threshold: int = 5
    minutes: int = 15


# -- users ------------------------------------------------------------------
def create_user(uow, username: str, *, password: str | None, min_length: int, display_name: str | None = None,
                roles=(), groups=()) -> int:
    if password is not None:
        passwords.check_password_policy(password, username=username, min_length=min_length)
    _check_roles(roles)
    with uow:
        session = uow.session
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict("a user with this name exists", username=username)
        user = User(username=username, display_name=display_name,
                    password_hash=passwords.hash_password(password) if password else None,
                    password_changed_at=utcnow() if password else None, active=True, failed_logins=0)
        session.add(user)
        session.flush()
        session.add(Identity(user_id=user.id, provider=LOCAL, subject=username))
        for role in sorted(set(roles)):
            session.add(UserRole(user_id=user.id, role=role))
        for group in _groups_named(session, groups):
            session.add(Membership(user_id=user.id, group_id=group.id))
        uow.commit()
        return user.id


def update_user(uow, user_id: int, *, display_name=None, active: bool | None = None) -> None:
    with uow:
        user = get_user(uow.session, user_id)
        if display_name is not None:
            user.display_name = display_name
        if active is not None:
            user.active = active
        uow.commit()


def set_password(uow, user_id: int, password: str, *, min_length: int, history: int,
                 old_password: str | None = None, require_old: bool = False) -> None:
    """Change a password: the user's own change (``require_old``) or a security administrator's reset.

    A reset is a one-time password: whoever signs in with it must choose a new one first
    (:func:`login` refuses to start a session with it), and an administrator must give their
    second factor's code to do so, which is why an administrator without one is not reset.
    """
    with uow:
        session = uow.session
        user = get_user(session, user_id)
        if require_old and not passwords.password_matches(user.password_hash, old_password or ""):
            raise Invalid("the current password is wrong",
                          errors=[{"pointer": "/old_password", "message": "wrong password"}])
        if not require_old and second_factor.required(roles_of(session, user_id)) and not second_factor.enrolled(user):
            raise CredentialsResetPending(
                "this administrator has no second factor set up (or it was reset): whoever knows a reset password "
                "could set one up and sign in as them. Let them sign in and enrol first, or disable the account "
                "and create a new one")
        passwords.check_password_policy(password, username=user.username, min_length=min_length)
        passwords.check_not_recent(session, user, password, keep=history)
        passwords.replace(session, user, password, keep=history, now=utcnow())
        user.failed_logins, user.locked_until = 0, None
        user.must_change_password = not require_old
        uow.commit()


def unlock(uow, user_id: int) -> None:
    """Let every client try again (a security administrator's audited act)."""
    with uow:
        user = get_user(uow.session, user_id)
        user.failed_logins, user.locked_until = 0, None
        login_throttle.clear(uow.session, user.username)
        uow.commit()


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no user with this id", user_id=user_id)
    return user


def user_id_by_name(session: Session, username: str) -> int:
    found = session.scalar(select(User.id).where(User.username == username))
    if found is None:
        raise NotFound("no user with this name", username=username)
    return found


def list_users(session: Session, *, limit: int = 50, offset: int = 0, group: str | None = None) -> list[User]:
    query = select(User)
    if group is not None:
        query = query.join(Membership, Membership.user_id == User.id).join(Group, Group.id == Membership.group_id)
        query = query.where(Group.name == group)
    return list(session.scalars(query.order_by(User.username).limit(limit).offset(offset)))


def roles_of(session: Session, user_id: int) -> frozenset[str]:
    return frozenset(session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))


def groups_of(session: Session, user_id: int) -> frozenset[str]:
    return frozenset(session.scalars(
        select(Group.name).join(Membership, Membership.group_id == Group.id).where(Membership.user_id == user_id)))


def principal_for(session: Session, user_id: int, username: str | None = None) -> Principal:
    """The user's roles and groups, read in one statement (a request's hot path)."""
    if username is None:
        username = get_user(session, user_id).username
    memberships = union_all(
        select(literal("role").label("kind"), UserRole.role.label("name")).where(UserRole.user_id == user_id),
        select(literal("group").label("kind"), Group.name.label("name"))
        .join(Membership, Membership.group_id == Group.id).where(Membership.user_id == user_id),
    )
    roles, groups = set(), set()
    for kind, name in session.execute(memberships):
        (roles if kind == "role" else groups).add(name)
    roles = frozenset(roles)
    return Principal(user_id, username, roles, frozenset(groups), permissions_of(roles),
                     regions=supervised_regions(session, roles, groups))


SUPERVISOR = "supervisor"


def supervised_regions(session: Session, roles, groups) -> frozenset[str] | None:
    """The regions a supervisor watches: those of their groups and every region below them.

    None (everything) for other roles, and for a supervisor with no group or a
    group that has no region (a city-wide supervision office).
    """
    if SUPERVISOR not in roles or not groups:
        return None
    codes = session.scalars(select(Group.region_code).where(Group.name.in_(sorted(groups)))).all()
    if not codes or any(code is None for code in codes):
        return None
    children: dict[str, list[str]] = {}
    for code, parent in session.execute(select(Region.code, Region.parent_code)):
        children.setdefault(parent, []).append(code)
    watched, stack = set(), list(codes)
    while stack:
        code = stack.pop()
        if code not in watched:
            watched.add(code)
            stack.extend(children.get(code, ()))
    return frozenset(watched)


# -- logging in -------------------------------------------------------------
def login(uow, username: str, password: str, *, policy: LockoutPolicy, source: str | None = None,
          now: datetime | None = None, code: str | None = None, renewing: bool = False) -> int:
    """Check a password, and an administrator's second-factor ``code``; returns the user's id.

    Audits every attempt and slows down failing clients (:mod:`api.login_throttle`); a wrong
    code counts as a failure as a wrong password does. The outcome is committed (with its
    audit record) before a failure is raised, so failed attempts are counted and recorded
    even though the call fails. A client that must wait is answered at once, without the
    password being checked. ``renewing``: the check before replacing a reset password
    (:func:`renew_password`), which a reset password passes.
    """
    now = now or utcnow()
    with uow:
        session = uow.session
        wait = login_throttle.waiting(session, username, source, now, threshold=policy.threshold)
        if wait is not None:
            _audit_login(session, username, source, None, "locked-for-source" if wait.locked else "throttled")
            uow.commit()
            raise LoginThrottled("too many failed logins for this account from this address; wait before trying "
                                 "again", retry_after=wait.seconds)
        user = session.scalars(
            select(User).join(Identity, Identity.user_id == User.id)
            .where(Identity.provider == LOCAL, Identity.subject == username)
        ).first()
        reason = _refusal(user, passwords.password_matches(user.password_hash if user else None, password), now)
        if reason is None:
            reason = _after_password(session, user, code, now, renewing=renewing)
        if reason is None:
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
            user.last_login_source = source
            login_throttle.succeeded(session, username, source)
            if passwords.needs_rehash(user.password_hash):
                user.password_hash = passwords.hash_password(password)
        elif reason in COUNTED_FAILURES:
            if user is not None:
                user.failed_logins += 1
            if login_throttle.failed(session, username, source, now, threshold=policy.threshold,
                                     minutes=policy.minutes):
                reason += "-locked"
        _audit_login(session, username, source, user, reason)
        uow.commit()
    _raise_for(reason, username, user)
    return user.id


# Refusals that count towards the delay and the lock (a missing code does not: it is the UI's first step).
COUNTED_FAILURES = ("wrong-password", "unknown-user", second_factor.WRONG, second_factor.REUSED)


def _after_password(session, user: User, code: str | None, now: datetime, *, renewing: bool) -> str | None:
    """Why a right password does not sign in: it must be replaced first, or the second factor's code."""
    if user.must_change_password and not renewing:
        return "password-change-required"
    if second_factor.enrolled(user):
        return second_factor.verify(session, user, code, now=now)
    return None


def _raise_for(reason: str | None, username: str, user: User | None) -> None:
    if reason is None:
        return
    if reason == "password-change-required":
        raise PasswordChangeRequired("the password was reset by a security administrator: choose a new one "
                                     "before signing in", username=username,
                                     second_factor=second_factor.enrolled(user))
    if reason == second_factor.MISSING:
        raise SecondFactorRequired("enter the code of your authenticator app (or a recovery code)")
    if reason.startswith(second_factor.REUSED):
        raise SecondFactorFailed("this code was used already: wait for the next one")
    if reason.startswith(second_factor.WRONG):
        raise SecondFactorFailed("wrong code, or the account is locked")
    raise LoginFailed("wrong username or password, or the account is locked")


def _audit_login(session, username: str, source: str | None, user: User | None, reason: str | None) -> None:
    audit.append(session, action="auth.login", result="ok" if reason is None else "denied",
                 actor=username, source=source, object_type="user",
                 object_id=None if user is None else user.id,
                 details={} if reason is None else {"reason": reason})


def renew_password(uow, username: str, old_password: str, new_password: str, *, policy: LockoutPolicy,
                   min_length: int, history: int, code: str | None = None, source: str | None = None) -> int:
    """Replace a password that must be changed (a reset), signing nothing in.

    The old password, and an administrator's second-factor ``code``, are checked as a login
    checks them (failures counted and audited), so this is no easier a way to guess passwords
    than logging in, and a security administrator who knows the reset password still cannot
    use it to become the administrator whose password they reset.
    """
    user_id = login(uow.env.unit_of_work(), username, old_password, policy=policy, source=source, code=code,
                    renewing=True)
    set_password(uow, user_id, new_password, min_length=min_length, history=history, old_password=old_password,
                 require_old=True)
    return user_id


def _refusal(user: User | None, matches: bool, now: datetime) -> str | None:
    if user is None:
        return "unknown-user"
    if user.locked_until is not None and user.locked_until > now:
        return "locked"
    if not user.active:
        return "disabled"
    if not matches:
        return "wrong-password"
    return None


# -- roles, groups, regions -------------------------------------------------
def _check_roles(roles) -> None:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise Invalid("unknown roles", errors=[{"pointer": "/roles", "message": f"unknown role {r!r}"}
                                               for r in unknown])
    clash = exclusive_violation(roles)
    if clash:
        raise RolesConflict(
            "separation of duties: one account may not hold " + " and ".join(clash),
            errors=[{"pointer": "/roles", "message": f"{' + '.join(clash)} may not be held together"}])


def set_roles(uow, user_id: int, roles) -> None:
    _check_roles(roles)
    with uow:
        get_user(uow.session, user_id)
        uow.session.execute(delete(UserRole).where(UserRole.user_id == user_id))
        for role in sorted(set(roles)):
            uow.session.add(UserRole(user_id=user_id, role=role))
        uow.commit()


def set_groups(uow, user_id: int, groups) -> None:
    with uow:
        get_user(uow.session, user_id)
        found = _groups_named(uow.session, groups)
        uow.session.execute(delete(Membership).where(Membership.user_id == user_id))
        for group in found:
            uow.session.add(Membership(user_id=user_id, group_id=group.id))
        uow.commit()


def _groups_named(session: Session, names) -> list[Group]:
    names = sorted(set(names))
    found = list(session.scalars(select(Group).where(Group.name.in_(names)))) if names else []
    missing = sorted(set(names) - {g.name for g in found})
    if missing:
        raise Invalid("unknown groups", errors=[{"pointer": "/groups", "message": f"unknown group {g!r}"}
                                                for g in missing])
    return found


def create_group(uow, name: str, *, title: str | None = None, kind: str = "department",
                 region_code: str | None = None) -> int:
    with uow:
        if uow.session.scalar(select(Group.id).where(Group.name == name)) is not None:
            raise Conflict("a group with this name exists", name=name)
        if region_code is not None and uow.session.get(Region, region_code) is None:
            raise Invalid("unknown region", errors=[{"pointer": "/region_code", "message": "no such region"}])
        group = Group(name=name, title=title, kind=kind, region_code=region_code)
        uow.session.add(group)
        uow.session.flush()
        uow.commit()
        return group.id


def list_groups(session: Session) -> list[Group]:
    return list(session.scalars(select(Group).order_by(Group.name)))


def create_region(uow, code: str, *, name: str, level: str, parent_code: str | None = None) -> None:
    with uow:
        session = uow.session
        if session.get(Region, code) is not None:
            raise Conflict("a region with this code exists", code=code)
        parent = session.get(Region, parent_code) if parent_code else None
        if parent_code and parent is None:
            raise Invalid("unknown parent region", errors=[{"pointer": "/parent_code", "message": "no such region"}])
        below = REGION_LEVELS.index(parent.level) + 1 if parent else 0
        expected = REGION_LEVELS[below] if parent and below < len(REGION_LEVELS) else None
        if parent is not None and level != expected:
            raise Invalid(f"a region inside a {parent.level} must be a {expected}",
                          errors=[{"pointer": "/level", "message": f"expected {expected}"}])
        session.add(Region(code=code, name=name, level=level, parent_code=parent_code))
        uow.commit()


def list_regions(session: Session) -> list[Region]:
    return list(session.scalars(select(Region).order_by(Region.code)))
