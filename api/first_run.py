"""What ``yiwang serve`` says as it starts: where the web UI is, and how to sign in on a new installation.

A new database has no accounts, so the login page would be a dead end. On a terminal
the command offers to create the first security administrator (who creates everyone
else, 三权分立); otherwise it prints the commands that do it, and the demo that needs none.
"""

from __future__ import annotations

import dataclasses

import click
from sqlalchemy import func, select

from engine.config import EngineConfig

from . import audit
from .errors import ApiError
from .models import User
from .schema import SchemaOutOfDate
from .wiring import build_env

FIRST_ADMIN_ROLE = "security_admin"
ATTEMPTS = 3


def greet(config: EngineConfig, *, host: str, port: int, interactive: bool) -> None:
    """Print the addresses; on a database without accounts, help make the first one."""
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"
    try:
        env = build_env(dataclasses.replace(config, jobs="inline"))  # creates the schema of a new database
    except SchemaOutOfDate as err:
        raise click.ClickException(str(err)) from None
    try:
        with env.unit_of_work() as uow:
            accounts = uow.session.scalar(select(func.count()).select_from(User))
        if accounts == 0:
            if interactive and click.confirm("还没有任何用户账号。现在创建第一个安全管理员吗？"
                                             "(No accounts yet. Create the first security administrator now?)",
                                             default=True):
                _create_first_admin(env)
            else:
                _explain()
    finally:
        env.close()
    click.echo(f"yiwang serving on {base}/ (database {config.database_url})")
    click.echo(f"  网页界面 web UI:  {base}/ui/")
    click.echo(f"  REST API:         {base}/api/v1  (文档 docs: {base}/api/docs)")


def _explain() -> None:
    click.echo("还没有任何用户账号，登录页暂时无法登录。(No user accounts yet: nobody can sign in.)")
    click.echo("  创建第一个安全管理员 (create the first security administrator):")
    click.echo(f"      yiwang users create admin --role {FIRST_ADMIN_ROLE}")
    click.echo("  或者用示例事项和演示用户试用 (or try it with the example items and demo users):")
    click.echo("      yiwang serve --demo")


def _create_first_admin(env) -> None:
    from . import accounts, cli_second_factor, config

    username = click.prompt("用户名 (username)", default="secadmin").strip()
    for _ in range(ATTEMPTS):
        password = click.prompt("密码 (password)", hide_input=True, confirmation_prompt=True)
        uow = env.unit_of_work()
        uow.before_commit(lambda unit: audit.append(
            unit.session, action="user.created", result="ok", actor="cli", source="cli", object_type="user",
            object_id=username, details={"roles": [FIRST_ADMIN_ROLE], "first_run": True}))
        try:
            accounts.create_user(uow, username, password=password, min_length=config.load()["PASSWORD_MIN_LENGTH"],
                                 display_name="安全管理员", roles=[FIRST_ADMIN_ROLE])
        except ApiError as err:
            click.echo(f"error: {err.message}", err=True)
            for item in getattr(err, "errors", []) or []:
                click.echo(f"  {item.get('message', '')}", err=True)
            continue
        click.echo(f"已创建安全管理员 {username}。(Security administrator {username} created.)")
        cli_second_factor.print_enrolment_instructions(username)
        click.echo("  其他账号用命令或 REST API (/api/v1/users) 创建 (other accounts, from the command line or "
                   "the API): yiwang users create NAME --role clerk --group window")
        return
    _explain()
