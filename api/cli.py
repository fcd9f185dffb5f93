"""The ``yiwang`` command: deploy, start, work tasks, run workers and the web service.

Settings come from ``YIWANG_*`` environment variables (see ``engine/config.py``);
``--db`` overrides the database URL. Every error is printed as one readable
message (with its BPMN element and line where known) and a non-zero exit code.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime
from pathlib import Path

import click

from engine import deploy as deploy_mod
from engine import jobs, queries, runtime
from engine.actors import Actor
from engine.config import EngineConfig
from engine.environment import EngineEnv
from engine.errors import DeployRejected, EngineError
from forms.errors import FormError
from processes.case_errors import CaseError
from processes.item_errors import ItemError

from . import cli_calendar, cli_data_keys, cli_second_factor
from .wiring import build_env


def _env(ctx, **overrides) -> EngineEnv:
    options = ctx.obj or {}
    if options.get("db"):
        overrides["database_url"] = options["db"]
    overrides.setdefault("jobs", "inline")
    env = build_env(EngineConfig.from_env(**overrides), materials_dir=os.environ.get("YIWANG_MATERIALS_DIR") or None)
    ctx.call_on_close(env.close)  # the command's connections end with it
    return env


def _actor(user: str | None, groups: tuple[str, ...]) -> Actor:
    if user is None:
        return Actor.system("cli")
    return Actor(user=user, groups=frozenset(groups))


def _json(value) -> str:
    def default(o):
        if isinstance(o, (datetime, date)):
            return o.isoformat()
        return str(o)

    return json.dumps(value, ensure_ascii=False, indent=2, default=default)


def _data(raw: str | None) -> dict:
    if not raw:
        return {}
    if raw.startswith("@"):
        raw = Path(raw[1:]).read_text(encoding="utf-8")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as err:
        raise click.UsageError(f"--data is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}")
    except RecursionError:
        raise click.UsageError("--data is nested too deeply") from None


class _Cli(click.Group):
    """Turns engine errors into a message and exit code 1, never a traceback."""

    def invoke(self, ctx):
        from .errors import ApiError

        try:
            return super().invoke(ctx)
        except ApiError as err:
            click.echo(f"error: {err.message}", err=True)
            for item in getattr(err, "errors", []) or []:
                click.echo(f"  {item.get('pointer', '')}: {item.get('message', '')}", err=True)
            sys.exit(1)
        except (DeployRejected, ItemError, CaseError) as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(1)
        except (EngineError, FormError) as err:
            click.echo(f"error: {err}", err=True)
            for item in [*(getattr(err, "errors", []) or []), *(getattr(err, "problems", []) or [])]:
                item = item if isinstance(item, dict) else item.__dict__
                click.echo(f"  {item.get('pointer', '')}: {item.get('message', '')}", err=True)
            sys.exit(1)


@click.group(cls=_Cli)
@click.option("--db", envvar="YIWANG_DATABASE_URL", help="SQLAlchemy database URL (default: ./yiwang.sqlite3)")
@click.pass_context
def main(ctx, db):
    """yiwang (一网): BPMN engine for one-window government services."""
    ctx.obj = {"db": db, "env": lambda: _env(ctx)}


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--note", help="version note")
@click.pass_context
def deploy(ctx, files, note):
    """Deploy BPMN/DMN files as one bundle (new content = next version).

    A single FOLDER deploys a process folder: its forms (forms/<key>.json) first, then its files.
    """
    env = _env(ctx)
    folders = [f for f in files if Path(f).is_dir()]
    if folders and len(files) > 1:
        raise click.UsageError("give one process folder, or BPMN/DMN files")
    if folders:
        from processes.item_commands import deploy_process_folder

        forms, result = deploy_process_folder(env, folders[0], deployed_by="cli", note=note)
        for key, version in forms:
            click.echo(f"form {key} v{version}")
    else:
        contents = {Path(f).name: Path(f).read_bytes() for f in files}
        result = deploy_mod.deploy(env.unit_of_work(), contents, deployed_by="cli", note=note)
    for p in result.processes:
        state = "deployed" if p.created else "unchanged"
        click.echo(f"{p.process_id} v{p.version} (definition {p.definition_id}): {state}")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


@main.command("publish-form")
@click.argument("form_key")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--note", help="version note")
@click.pass_context
def publish_form_command(ctx, form_key, file, note):
    """Publish a form: FILE holds {"schema": ..., "ui_schema": ...} (new content = next version)."""
    from forms.store import publish_form

    document = json.loads(Path(file).read_text(encoding="utf-8"))
    env = _env(ctx)
    with env.unit_of_work() as uow:
        version, changes = publish_form(uow.session, form_key, document["schema"], document.get("ui_schema"), note)
        uow.commit()
        click.echo(f"{form_key} v{version.version}")
    for change in changes:
        click.echo(f"  {change.describe('zh-CN')}")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def lint(ctx, files):
    """Print the lint report of BPMN/DMN files without deploying them."""
    env = _env(ctx)
    contents = {Path(f).name: Path(f).read_bytes() for f in files}
    with env.unit_of_work() as uow:
        _, issues = deploy_mod.check_bundle(uow, contents)
    for issue in issues:
        click.echo(str(issue))
    if any(i.severity == "error" for i in issues):
        sys.exit(1)
    click.echo("no errors")


@main.command()
@click.argument("process_id")
@click.option("--data", help="start data as JSON, or @file.json")
@click.option("--business-key")
@click.option("--user", help="acting user (default: the CLI as operator)")
@click.pass_context
def start(ctx, process_id, data, business_key, user):
    """Start an instance of the latest version of PROCESS_ID."""
    env = _env(ctx)
    instance_id = runtime.start_instance(
        env.unit_of_work(), process_id=process_id, data=_data(data),
        business_key=business_key, actor=_actor(user, ()),
    )
    click.echo(instance_id)


@main.command()
@click.option("--group", help="queue of this group (department, window)")
@click.option("--assignee")
@click.option("--instance", "instance_id")
@click.option("--state", default="ready", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--ids", "ids_only", is_flag=True, help="only the task ids, one per line (for scripts)")
@click.pass_context
def tasks(ctx, group, assignee, instance_id, state, as_json, ids_only):
    """List tasks, soonest deadline first."""
    env = _env(ctx)
    with env.unit_of_work() as uow:
        rows = queries.list_tasks(uow, queries.TaskFilter(
            state=None if state == "all" else state, group=group, assignee=assignee,
            instance_id=instance_id, limit=500))
    if as_json:
        click.echo(_json(rows))
        return
    if ids_only:
        for t in rows:
            click.echo(t["id"])
        return
    for t in rows:
        due = t["due_at"].isoformat(timespec="minutes") if t["due_at"] else "-"
        who = t["assignee"] or ",".join(t["candidate_groups"]) or "-"
        item = f" [{t['loop_item']}]" if t["loop_item"] is not None else ""
        click.echo(f"{t['id']}  {t['element_id']}{item}  {t['name'] or ''}  {who}  due {due}  {t['state']}")


@main.command()
@click.argument("task_id")
@click.option("--data", help="task data as JSON, or @file.json")
@click.option("--user", help="acting user (default: the CLI as operator)")
@click.option("--group", "groups", multiple=True, help="groups of --user")
@click.pass_context
def complete(ctx, task_id, data, user, groups):
    """Complete a task with data."""
    env = _env(ctx)
    instance_id = runtime.complete_task(env.unit_of_work(), task_id, _data(data), actor=_actor(user, groups))
    with env.unit_of_work() as uow:
        view = queries.get_instance(uow, instance_id, with_data=False)
    click.echo(f"instance {instance_id}: {view['status']}")


@main.command()
@click.argument("instance_id")
@click.pass_context
def show(ctx, instance_id):
    """Show an instance: state, open tasks, incidents, data and history."""
    env = _env(ctx)
    with env.unit_of_work() as uow:
        view = queries.get_instance(uow, instance_id)
        view["history"] = queries.history(uow, instance_id)
    click.echo(_json(view))


@main.command("fire-timers")
@click.pass_context
def fire_timers(ctx):
    """Fire due timers and run pending jobs once (what the scheduler does every few seconds)."""
    env = _env(ctx)
    env.dispatcher.run_scheduler_once()
    click.echo("done")


@main.command()
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
@click.pass_context
def worker(ctx, burst):
    """Run an rq worker (and the timer scheduler) for YIWANG_JOBS=rq deployments."""
    from .worker import run_worker

    env = _env(ctx, jobs="rq")
    run_worker(env, burst=burst)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="first load the example items and the demo users (see `yiwang demo`)")
@click.pass_context
def serve(ctx, host, port, demo):
    """Run the web service on the embedded default (SQLite file, in-process jobs)."""
    from .app import create_app

    if demo:
        ctx.invoke(demo_command)
    options = {"jobs": "thread"}
    if (ctx.obj or {}).get("db"):
        options["database_url"] = ctx.obj["db"]
    config = EngineConfig.from_env(**options)
    from .first_run import greet

    greet(config, host=host, port=port, interactive=sys.stdin.isatty() and sys.stdout.isatty())
    from .server import run

    run(lambda: create_app({"ENGINE": config}), host=host, port=port)


@main.command()
@click.pass_context
def incidents(ctx):
    """List open incidents."""
    env = _env(ctx)
    with env.unit_of_work() as uow:
        click.echo(_json(queries.list_incidents(uow)))


@main.command()
@click.argument("incident_id", type=int)
@click.pass_context
def retry(ctx, incident_id):
    """Retry an incident now."""
    env = _env(ctx)
    jobs.retry_incident(env.unit_of_work(), incident_id, actor=Actor.system("cli"))
    click.echo("retried")


# -- accounts and audit -----------------------------------------------------
def _audited(env, action: str, object_type: str, object_id: str | None = None, **details):
    """A unit of work whose commit also writes the audit record (the CLI acts as operator "cli")."""
    from . import audit

    uow = env.unit_of_work()
    uow.before_commit(lambda unit: audit.append(unit.session, action=action, result="ok", actor="cli",
                                                source="cli", object_type=object_type, object_id=object_id,
                                                details=details))
    return uow


def _min_length() -> int:
    from . import config

    return config.load()["PASSWORD_MIN_LENGTH"]


@main.group()
def users():
    """Administer user accounts (the first security administrator is made here)."""


@users.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, help="admin, security_admin, designer, clerk, approver, ...")
@click.option("--group", "groups", multiple=True, help="department or window (must exist)")
@click.option("--display-name")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.option("--no-password", is_flag=True, help="single-sign-on only")
@click.pass_context
def users_create(ctx, username, roles, groups, display_name, password_stdin, no_password):
    """Create a user; asks for the password unless told otherwise."""
    from . import accounts, second_factor

    env = _env(ctx)
    if no_password:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    user_id = accounts.create_user(
        _audited(env, "user.created", "user", username, roles=sorted(roles), groups=sorted(groups)), username,
        password=password, display_name=display_name, roles=roles, groups=groups, min_length=_min_length())
    click.echo(f"user {username} created (id {user_id})")
    if second_factor.required(roles):
        cli_second_factor.print_enrolment_instructions(username)


@users.command("roles")
@click.argument("username")
@click.argument("roles", nargs=-1)
@click.pass_context
def users_roles(ctx, username, roles):
    """Set a user's roles (separation of duties is enforced)."""
    from . import accounts

    env = _env(ctx)
    with env.unit_of_work() as uow:
        user_id = accounts.user_id_by_name(uow.session, username)
    accounts.set_roles(_audited(env, "user.roles_set", "user", str(user_id), roles=sorted(roles)), user_id, roles)
    click.echo(f"{username}: {', '.join(sorted(roles)) or 'no roles'}")


@users.command("groups")
@click.argument("username")
@click.argument("groups", nargs=-1)
@click.pass_context
def users_groups(ctx, username, groups):
    """Set a user's groups (departments, windows)."""
    from . import accounts

    env = _env(ctx)
    with env.unit_of_work() as uow:
        user_id = accounts.user_id_by_name(uow.session, username)
    accounts.set_groups(_audited(env, "user.groups_set", "user", str(user_id), groups=sorted(groups)), user_id,
                        groups)
    click.echo(f"{username}: {', '.join(sorted(groups)) or 'no groups'}")


@users.command("processes")
@click.argument("username")
@click.argument("processes", nargs=-1)
@click.pass_context
def users_processes(ctx, username, processes):
    """Set the processes whose cases a connected system's messages may reach."""
    from . import accounts, grants

    env = _env(ctx)
    with env.unit_of_work() as uow:
        user_id = accounts.user_id_by_name(uow.session, username)
    granted = grants.set_process_grants(_audited(env, "user.processes_set", "user", str(user_id),
                                                 processes=sorted(processes)), user_id, processes)
    click.echo(f"{username}: {', '.join(granted) or 'no processes'}")


@users.command("unlock")
@click.argument("username")
@click.pass_context
def users_unlock(ctx, username):
    """Unlock an account locked by failed logins."""
    from . import accounts

    env = _env(ctx)
    with env.unit_of_work() as uow:
        user_id = accounts.user_id_by_name(uow.session, username)
    accounts.unlock(_audited(env, "user.unlocked", "user", str(user_id)), user_id)
    click.echo(f"{username} unlocked")


@main.command("group-create")
@click.argument("name")
@click.option("--title")
@click.option("--kind", type=click.Choice(["department", "window"]), default="department", show_default=True)
@click.option("--region", "region_code")
@click.pass_context
def group_create(ctx, name, title, kind, region_code):
    """Create a group: a department or a window (what BPMN candidateGroups name)."""
    from . import accounts

    env = _env(ctx)
    accounts.create_group(_audited(env, "group.created", "group", name), name, title=title, kind=kind,
                          region_code=region_code)
    click.echo(f"group {name} created")


@main.group("audit")
def audit_group():
    """The audit trail."""


@audit_group.command("verify")
@click.pass_context
def audit_verify(ctx):
    """Verify the audit chain (keyed hashes) and its signed checkpoints; exits 1 naming the first break."""
    from . import audit, audit_anchor

    env = _env(ctx)
    with env.unit_of_work() as uow:
        result = audit.verify(uow.session)
        anchors = audit_anchor.check(uow.session)
    click.echo(str(result), err=not result.ok)
    click.echo(str(anchors), err=not anchors.ok)
    if not (result.ok and anchors.ok):
        sys.exit(1)


@audit_group.command("checkpoint")
@click.pass_context
def audit_checkpoint(ctx):
    """Append a signed checkpoint of the chain's head to AUDIT_ANCHOR_DIR now (also done every 10 minutes)."""
    from . import audit_anchor

    env = _env(ctx)
    with env.unit_of_work() as uow:
        entry = audit_anchor.write_checkpoint(uow.session)
    click.echo("the audit chain is empty" if entry is None else f"checkpoint: record {entry['seq']} {entry['hash']}")


# -- backup and restore (docs/operations.md) ------------------------------------------------
def _database_url(ctx) -> str:
    return (ctx.obj or {}).get("db") or EngineConfig.from_env().database_url


def _backup_summary(url: str) -> None:
    from . import backup as backup_mod

    try:
        summary = backup_mod.summarise_url(url)
    except backup_mod.BackupError as err:
        raise click.ClickException(str(err)) from None
    for name, count in summary.counts.items():
        click.echo(f"{name}: {count}")
    click.echo(str(summary.chain), err=not summary.chain.ok)
    if not summary.chain.ok:
        sys.exit(1)


@main.group()
def backup():
    """Back up the database, restore a backup, check a restored copy."""


@backup.command("create")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_context
def backup_create(ctx, file):
    """Write a consistent copy of the database to FILE (a new file) while the service runs."""
    from . import backup as backup_mod

    try:
        backup_mod.create(_database_url(ctx), Path(file))
    except backup_mod.BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"backup written: {file} ({Path(file).stat().st_size} bytes)")


@backup.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def backup_restore(ctx, file):
    """Restore FILE into the --db database (a new SQLite file or an empty PostgreSQL database), then check it."""
    from . import backup as backup_mod

    url = _database_url(ctx)
    try:
        backup_mod.restore(Path(file), url)
    except backup_mod.BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"restored {file}")
    _backup_summary(url)


@backup.command("check")
@click.pass_context
def backup_check(ctx):
    """Count instances, tasks, history and audit records, and verify the audit chain (exit 1 if broken)."""
    _backup_summary(_database_url(ctx))


# -- service items and the demo ----------------------------------------------------------
@main.group()
def item():
    """Service items (政务服务事项): check, publish, export, guide, notice, list."""


@item.command("check")
@click.argument("path", type=click.Path(exists=True))
@click.pass_context
def item_check(ctx, path):
    """Print every problem of a bundle folder or zip; exit 1 on errors."""
    from processes.item_commands import check_item

    problems = check_item(_env(ctx), path)
    for problem in problems:
        click.echo(str(problem))
    if any(p.severity == "error" for p in problems):
        sys.exit(1)
    click.echo("no errors")


@item.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--by", "published_by", default="cli", show_default=True, help="who publishes it")
@click.option("--note", help="version note")
@click.pass_context
def item_import(ctx, path, published_by, note):
    """Publish a bundle folder or zip (identical content returns the stored version)."""
    from processes.item_commands import import_item

    result = import_item(_env(ctx), path, published_by=published_by, note=note)
    state = "published" if result.created else "unchanged"
    click.echo(f"{result.code} v{result.version}: {state}")
    click.echo(f"  process {result.process_id} (definition {result.definition_id}), "
               f"forms {', '.join(f'{k} v{v}' for k, v in sorted(result.form_versions.items()))}")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


@item.command("export")
@click.argument("code")
@click.option("--version", type=int, help="default: the latest")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="the zip to write")
@click.pass_context
def item_export(ctx, code, version, output):
    """Write a published version as a bundle zip."""
    from processes.item_commands import export_item

    click.echo(str(export_item(_env(ctx), code, output, version=version)))


def _page(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(output)
    else:
        click.echo(text)


@item.command("guide")
@click.argument("code")
@click.option("--version", type=int, help="default: the latest")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="write the HTML here")
@click.pass_context
def item_guide(ctx, code, version, output):
    """The service guide (办事指南) as HTML."""
    from processes.item_commands import item_guide as guide

    _page(guide(_env(ctx), code, version=version), output)


@item.command("notice")
@click.argument("code")
@click.option("--version", type=int, help="default: the latest")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="write the HTML here")
@click.pass_context
def item_notice(ctx, code, version, output):
    """The blank one-time notice (一次性告知书) as HTML."""
    from processes.item_commands import item_notice as notice

    _page(notice(_env(ctx), code, version=version), output)


@item.command("list")
@click.option("--region", "region_code", help="region code")
@click.option("--type", "item_type", help="licence, confirmation, benefit, ...")
@click.option("--department")
@click.pass_context
def item_list(ctx, region_code, item_type, department):
    """One line per item (its latest version)."""
    from processes.item_commands import list_catalogue

    filters = {k: v for k, v in (("region_code", region_code), ("item_type", item_type),
                                 ("department", department)) if v}
    for row in list_catalogue(_env(ctx), **filters):
        click.echo(f"{row['code']}  v{row['version']}  {row['name']}  {row['type']}  {row['department']}  "
                   f"{row['region_code']}  {row['promised_days']:g}个工作日")


@main.command("demo")
@click.option("--examples", type=click.Path(exists=True, file_okay=False), help="the examples folder")
@click.pass_context
def demo_command(ctx, examples):
    """Load the example items and create demo users (idempotent; refuses production databases)."""
    from . import config, demo

    env = _env(ctx)
    if config.is_production(config.load(), env.config.database_url):
        raise click.UsageError("the demo users share a well-known password: not on a production database "
                               "(set YIWANG_DEPLOYMENT=embedded to insist)")
    kwargs = {"examples": Path(examples)} if examples else {}
    report = demo.seed(env, min_length=config.load()["PASSWORD_MIN_LENGTH"], **kwargs)
    for entry in report.items + report.processes:
        name = entry.get("code") or entry.get("process_id")
        click.echo(f"{name} v{entry['version']}: {'published' if entry['created'] else 'unchanged'}")
    click.echo(f"demo users (password for all: {demo.PASSWORD}):")
    for user, created in report.users:
        where = f" [{', '.join(user.groups)}]" if user.groups else ""
        click.echo(f"  {user.username:<17} {', '.join(user.roles)}{where}  {user.display_name}"
                   f"{'' if created else '  (exists)'}")
    cli_second_factor.print_demo_authenticators(report.authenticators)
    click.echo("changed" if report.changed else "nothing changed (already seeded)")



@main.group()
def db():
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@click.option("--app-role", help="PostgreSQL: create or update the service's own role (not superuser, not owner; "
                                 "audit records read and insert only); run as the owner")
@click.option("--app-password-stdin", is_flag=True, help="read the --app-role password from standard input")
@click.pass_context
def db_upgrade(ctx, revision, app_role, app_password_stdin):
    """Bring the database to the latest schema revision (run before starting production servers)."""
    from engine.config import EngineConfig as _Config
    from engine.db import make_db_engine

    from . import audit_guard, schema

    url = (ctx.parent.obj or {}).get("db") or _Config.from_env().database_url
    schema.upgrade(url, revision)
    click.echo(f"database at revision {schema.head_revision() if revision == 'head' else revision}")
    if app_role:
        password = sys.stdin.readline().rstrip("\n") if app_password_stdin else None
        owner = make_db_engine(url)
        try:
            with owner.begin() as conn:
                audit_guard.grant_app_role(conn, app_role, password)
        except ValueError as err:
            raise click.ClickException(str(err)) from None
        finally:
            owner.dispose()
        click.echo(f"role {app_role}: may use every table; audit records read and insert only")


@db.command("revision")
@click.option("-m", "--message", required=True, help="what changed")
@click.pass_context
def db_revision(ctx, message):
    """Write a new migration from the difference between the models and the database."""
    from engine.config import EngineConfig as _Config

    from . import schema

    url = (ctx.parent.obj or {}).get("db") or _Config.from_env().database_url
    schema.new_revision(url, message)


main.add_command(cli_calendar.calendar)
users.add_command(cli_second_factor.reset_second_factor)
main.add_command(cli_data_keys.data_keys_group)
