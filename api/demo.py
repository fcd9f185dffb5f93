"""The demo installation: the example service items and an organisation of demo users to try them with.

``seed(env)`` publishes the four example items (through :mod:`processes.item_commands`)
and the one-window example process, and creates the regions, departments, windows
and users the examples name. It is idempotent: what exists is left alone, so a
second run changes nothing. Every demo user has the same well-known password
(:data:`PASSWORD`), which is why ``yiwang demo`` refuses production databases. The three
administrators are enrolled in the second factor (each with their own secret, printed by
``yiwang demo`` on every run, to be typed into an authenticator app).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from processes import item_commands

from engine.models import utcnow

from . import accounts, audit, second_factor
from .models import Group, Region, User

PASSWORD = "Yiwang-Demo-2026"

ITEMS = ("business_startup", "real_estate_transfer", "elderly_allowance", "industrial_construction_permit")
ONE_WINDOW = "one_window_approval"

REGIONS = (  # code, name, level, parent
    ("340000", "安徽省", "province", None),
    ("340500", "马鞍山市", "city", "340000"),
    ("340503", "花山区", "county", "340500"),
)
GROUPS = (  # name, title, kind, region
    ("window", "政务服务中心综合窗口", "window", "340500"),
    ("amr", "市市场监督管理局(登记注册)", "department", "340500"),
    ("psb", "市公安局(印章刻制)", "department", "340500"),
    ("tax", "市税务局", "department", "340500"),
    ("hrss", "市人力资源和社会保障局", "department", "340500"),
    ("bdc_examiner", "不动产登记中心审核岗", "department", "340500"),
    ("bdc_recorder", "不动产登记中心登簿岗", "department", "340500"),
    ("civil_affairs", "花山区民政局", "department", "340503"),
    ("expert_panel", "施工图审查专家组", "department", "340500"),
    ("housing_lead", "市住房和城乡建设局分管领导", "department", "340500"),
    ("housing", "市住房和城乡建设局", "department", "340500"),
    ("planning", "市自然资源和规划局", "department", "340500"),
    ("fire", "市消防救援支队", "department", "340500"),
    ("environment", "市生态环境局", "department", "340500"),
    ("market", "市市场监督管理局(许可)", "department", "340500"),
    ("lead", "分管领导(并联审批决定)", "department", "340500"),
)


def examples_folder() -> Path:
    """The example bundles: ``api/examples`` when installed (setup.cfg ships them there), else the
    source checkout's ``examples/``; never the working directory."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "examples", here.parent / "examples"):
        if (candidate / ITEMS[0] / "item.json").is_file():
            return candidate
    raise FileNotFoundError(f"the example bundles are not installed (looked in {here / 'examples'})")


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    roles: tuple[str, ...]
    groups: tuple[str, ...] = ()


USERS = (
    DemoUser("secadmin", "安全管理员", ("security_admin",)),
    DemoUser("sysadmin", "系统管理员", ("admin",)),
    DemoUser("auditor", "安全审计员", ("auditor",)),
    DemoUser("designer", "事项编制人员", ("designer",)),
    DemoUser("clerk", "综合窗口受理员", ("clerk",), ("window",)),
    DemoUser("amr.officer", "市场监管登记审核员", ("approver",), ("amr",)),
    DemoUser("psb.officer", "公安印章审核员", ("approver",), ("psb",)),
    DemoUser("tax.officer", "税务审核员", ("approver",), ("tax",)),
    DemoUser("hrss.officer", "社保审核员", ("approver",), ("hrss",)),
    DemoUser("bdc.examiner", "不动产登记审核员", ("approver",), ("bdc_examiner",)),
    DemoUser("bdc.recorder", "不动产登簿员", ("approver",), ("bdc_recorder",)),
    DemoUser("civil.officer", "民政经办人", ("approver",), ("civil_affairs",)),
    DemoUser("expert", "审查专家", ("approver",), ("expert_panel",)),
    DemoUser("housing.officer", "住建审核员", ("approver",), ("housing",)),
    DemoUser("planning.officer", "规划审核员", ("approver",), ("planning",)),
    DemoUser("fire.officer", "消防审核员", ("approver",), ("fire",)),
    DemoUser("env.officer", "生态环境审核员", ("approver",), ("environment",)),
    DemoUser("market.officer", "市场监管许可审核员", ("approver",), ("market",)),
    DemoUser("lead", "分管领导", ("approver",), ("lead", "housing_lead")),
    DemoUser("supervisor", "电子监察员", ("supervisor",)),
    DemoUser("applicant", "张伟(群众)", ("applicant",)),
    DemoUser("company", "安徽皖江高端装备制造有限公司(企业)", ("applicant",)),
)


@dataclass
class SeedReport:
    """What a seeding run found (False) or created (True), in order."""

    regions: list[tuple[str, bool]] = field(default_factory=list)
    groups: list[tuple[str, bool]] = field(default_factory=list)
    users: list[tuple[DemoUser, bool]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    processes: list[dict[str, Any]] = field(default_factory=list)
    # The administrators' TOTP secrets, by username (they sign in with a code of an app holding it).
    authenticators: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return (any(c for _, c in self.regions + self.groups) or any(c for _, c in self.users)
                or any(i["created"] for i in self.items + self.processes))


def seed(env, *, examples: Path | None = None, min_length: int = 12) -> SeedReport:
    """Publish the examples and create the demo organisation; leaves what exists alone."""
    examples = examples or examples_folder()
    if not (examples / ITEMS[0] / "item.json").is_file():
        raise FileNotFoundError(f"the demo needs the example bundles, not found in {examples}")
    report = SeedReport()
    for name in ITEMS:
        result = item_commands.import_item(env, examples / name, published_by="demo", note="demo")
        report.items.append({"code": result.code, "version": result.version, "created": result.created})
    report.processes += _one_window(env, examples / ONE_WINDOW)
    with env.unit_of_work() as uow:
        regions = set(uow.session.scalars(select(Region.code)))
        groups = set(uow.session.scalars(select(Group.name)))
        users = set(uow.session.scalars(select(User.username)))
    for code, name, level, parent in REGIONS:
        if code not in regions:
            accounts.create_region(_audited(env, "region.created", "region", code), code, name=name, level=level,
                                   parent_code=parent)
        report.regions.append((code, code not in regions))
    for name, title, kind, region in GROUPS:
        if name not in groups:
            accounts.create_group(_audited(env, "group.created", "group", name), name, title=title, kind=kind,
                                  region_code=region)
        report.groups.append((name, name not in groups))
    for user in USERS:
        if user.username not in users:
            accounts.create_user(_audited(env, "user.created", "user", user.username, roles=list(user.roles),
                                          groups=list(user.groups)),
                                 user.username, password=PASSWORD, min_length=min_length,
                                 display_name=user.display_name, roles=user.roles, groups=user.groups)
        report.users.append((user, user.username not in users))
    report.authenticators = _enrol_administrators(env)
    return report


def _enrol_administrators(env) -> dict[str, str]:
    """Each demo administrator's TOTP secret: set up now when they have none (audited), else as it is."""
    secrets = {}
    for user in USERS:
        if not second_factor.required(user.roles):
            continue
        with env.unit_of_work() as uow:
            account = uow.session.scalars(select(User).where(User.username == user.username)).one()
            user_id, secret = account.id, second_factor.secret_of(account) if second_factor.enrolled(account) else None
        if secret is None:
            secret, _ = second_factor.enrol_now(_audited(env, "user.second_factor_enrolled", "user", str(user_id)),
                                                user_id, now=utcnow())
        secrets[user.username] = secret
    return secrets


def _one_window(env, folder: Path) -> list[dict[str, Any]]:
    """The one-window example: its forms, then its process (not a catalogue item: it has no item.json)."""
    _, result = item_commands.deploy_process_folder(env, folder, deployed_by="demo", note="demo")
    return [{"process_id": p.process_id, "version": p.version, "created": p.created} for p in result.processes]


def _audited(env, action: str, object_type: str, object_id: str, **details):
    uow = env.unit_of_work()
    uow.before_commit(lambda unit: audit.append(unit.session, action=action, result="ok", actor="demo",
                                                source="cli", object_type=object_type, object_id=object_id,
                                                details=details))
    return uow
