"""Account administration (security administrators): users, roles, groups, regions."""

from __future__ import annotations

from flask import Blueprint, current_app

from .. import accounts, credentials, grants, login_throttle, second_factor
from ..auditing import context, created, work
from ..auth import env, reading, require_principal
from ..endpoint import endpoint
from ..errors import Forbidden
from ..models import User
from ..permissions import ROLE_PERMISSIONS, ROLES
from ..schemas.accounts import (
    GroupSchema,
    GroupsSchema,
    PasswordResetSchema,
    ProcessGrantsSchema,
    RegionSchema,
    RoleSchema,
    RolesSchema,
    UserCreateSchema,
    UserQuerySchema,
    UserSchema,
    UserUpdateSchema,
)

bp = Blueprint("admin", __name__)
MANAGE = "accounts:manage"


def _user_out(session, user: User) -> dict:
    from engine.models import utcnow

    now = utcnow()
    locked_out = login_throttle.locked_sources(session, user.username, now, current_app.config["LOCKOUT_THRESHOLD"])
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "active": user.active,
            "roles": sorted(accounts.roles_of(session, user.id)), "groups": sorted(accounts.groups_of(session, user.id)),
            "locked": bool(user.locked_until and user.locked_until > now) or bool(locked_out),
            "locked_sources": locked_out, "failed_logins": user.failed_logins,
            "second_factor": second_factor.state(user),
            "last_login_at": user.last_login_at, "created_at": user.created_at}


def _user(user_id: int) -> dict:
    with reading() as uow:
        return _user_out(uow.session, accounts.get_user(uow.session, user_id))


def _not_self(user_id: int) -> None:
    # Nobody raises their own privileges or unlocks themselves: a second person must.
    if require_principal().user_id == user_id:
        raise Forbidden("change another account's roles and access, not your own")


@bp.get("/roles")
@endpoint("The roles and what each may do", response=RoleSchema(many=True))
def list_roles():
    return [{"name": r, "description": d, "permissions": sorted(ROLE_PERMISSIONS[r])} for r, d in ROLES.items()]


@bp.get("/users")
@endpoint("Users", permission=MANAGE, query=UserQuerySchema(), response=UserSchema(many=True))
def list_users(query):
    with reading() as uow:
        return [_user_out(uow.session, u) for u in accounts.list_users(uow.session, **query)]


@bp.post("/users")
@endpoint("Create a user", permission=MANAGE, body=UserCreateSchema(), response=UserSchema(), status=201,
          errors=(409,), audit=("user.created", "user"))
def create_user(body):
    context().details = {"username": body["username"], "roles": body["roles"], "groups": body["groups"]}
    context().object_from = created(User)
    user_id = accounts.create_user(work(), body["username"], password=body["password"],
                                   display_name=body["display_name"], roles=body["roles"], groups=body["groups"],
                                   min_length=current_app.config["PASSWORD_MIN_LENGTH"])
    return _user(user_id)


@bp.get("/users/<int:user_id>")
@endpoint("A user", permission=MANAGE, response=UserSchema(), errors=(404,))
def get_user(user_id):
    return _user(user_id)


@bp.patch("/users/<int:user_id>")
@endpoint("Change a user's name or disable them", permission=MANAGE, body=UserUpdateSchema(),
          response=UserSchema(), errors=(404,), audit=("user.updated", "user"), audit_id="user_id")
def update_user(user_id, body):
    _not_self(user_id)
    context().details = {k: v for k, v in body.items() if v is not None}
    accounts.update_user(work(), user_id, display_name=body["display_name"], active=body["active"])
    if body["active"] is False:
        credentials.end_sessions_of(env().unit_of_work(), user_id)
    return _user(user_id)


@bp.put("/users/<int:user_id>/roles")
@endpoint("Set a user's roles (separation of duties is enforced)", permission=MANAGE, body=RolesSchema(),
          response=UserSchema(), errors=(404,), audit=("user.roles_set", "user"), audit_id="user_id")
def set_roles(user_id, body):
    _not_self(user_id)
    context().details = {"roles": sorted(body["roles"])}
    accounts.set_roles(work(), user_id, body["roles"])
    with reading() as uow:
        must_enrol = second_factor.stage_at_sign_in(uow.session, user_id) is not None
    if must_enrol:  # now an administrator without a second factor: their sessions end, they enrol at sign-in
        credentials.end_sessions_of(env().unit_of_work(), user_id)
    return _user(user_id)


@bp.put("/users/<int:user_id>/groups")
@endpoint("Set a user's groups (departments, windows)", permission=MANAGE, body=GroupsSchema(),
          response=UserSchema(), errors=(404,), audit=("user.groups_set", "user"), audit_id="user_id")
def set_groups(user_id, body):
    _not_self(user_id)
    context().details = {"groups": sorted(body["groups"])}
    accounts.set_groups(work(), user_id, body["groups"])
    return _user(user_id)


@bp.post("/users/<int:user_id>/password")
@endpoint("Reset a user's password", permission=MANAGE, body=PasswordResetSchema(), response=None, status=204,
          errors=(404, 409), audit=("user.password_reset", "user"), audit_id="user_id",
          description="The password starts no session: its holder replaces it first (POST /session/password/renew, "
                      "administrators with their second factor's code). An administrator without a second factor "
                      "is not reset (409 credentials-reset-pending).")
def reset_password(user_id, body):
    _not_self(user_id)
    config = current_app.config
    accounts.set_password(work(), user_id, body["password"], min_length=config["PASSWORD_MIN_LENGTH"],
                          history=config["PASSWORD_HISTORY"])
    credentials.end_sessions_of(env().unit_of_work(), user_id)


@bp.delete("/users/<int:user_id>/second-factor")
@endpoint("Reset a user's second factor (they set up a new one at their next sign-in)", permission=MANAGE,
          response=None, status=204, errors=(404, 409), audit=("user.second_factor_reset", "user"),
          audit_id="user_id",
          description="For an administrator who lost their authenticator and recovery codes. Refused (409 "
                      "credentials-reset-pending) while the account's password is a reset one not yet replaced: "
                      "one person never resets both factors of an administrator.")
def reset_second_factor(user_id):
    _not_self(user_id)
    second_factor.reset(work(), user_id)
    credentials.end_sessions_of(env().unit_of_work(), user_id)


@bp.post("/users/<int:user_id>/unlock")
@endpoint("Unlock an account locked by failed logins", permission=MANAGE, response=UserSchema(), errors=(404,),
          audit=("user.unlocked", "user"), audit_id="user_id")
def unlock(user_id):
    _not_self(user_id)
    accounts.unlock(work(), user_id)
    return _user(user_id)


@bp.get("/groups")
@endpoint("Groups: departments and windows", response=GroupSchema(many=True))
def list_groups():
    with reading() as uow:
        return accounts.list_groups(uow.session)


@bp.post("/groups")
@endpoint("Create a group", permission=MANAGE, body=GroupSchema(), response=GroupSchema(), status=201,
          errors=(409,), audit=("group.created", "group"))
def create_group(body):
    context().object_id = body["name"]
    accounts.create_group(work(), body["name"], title=body["title"], kind=body["kind"],
                          region_code=body["region_code"])
    with reading() as uow:
        return next(g for g in accounts.list_groups(uow.session) if g.name == body["name"])


@bp.get("/regions")
@endpoint("Regions: province → city → county → township → village", response=RegionSchema(many=True))
def list_regions():
    with reading() as uow:
        return accounts.list_regions(uow.session)


@bp.post("/regions")
@endpoint("Create a region", permission=MANAGE, body=RegionSchema(), response=RegionSchema(), status=201,
          errors=(409,), audit=("region.created", "region"))
def create_region(body):
    context().object_id = body["code"]
    accounts.create_region(work(), body["code"], name=body["name"], level=body["level"],
                           parent_code=body["parent_code"])
    return body


@bp.get("/users/<int:user_id>/processes")
@endpoint("The processes whose cases a user's messages may reach", permission=MANAGE,
          response=ProcessGrantsSchema(), errors=(404,))
def get_process_grants(user_id):
    with reading() as uow:
        accounts.get_user(uow.session, user_id)
        return {"user_id": user_id, "processes": grants.process_grants(uow.session, user_id)}


@bp.put("/users/<int:user_id>/processes")
@endpoint("Set the processes whose cases a user's messages may reach (POST /messages)", permission=MANAGE,
          body=ProcessGrantsSchema(), response=ProcessGrantsSchema(), errors=(404,),
          audit=("user.processes_set", "user"), audit_id="user_id")
def set_process_grants(user_id, body):
    _not_self(user_id)
    context().details = {"processes": sorted(body["processes"])}
    return {"user_id": user_id, "processes": grants.set_process_grants(work(), user_id, body["processes"])}
