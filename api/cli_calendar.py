"""``yiwang calendar``: the working-day calendar from the command line (see processes.holiday_calendar).

    yiwang calendar status                 where each year's days come from; what to load
    yiwang calendar import FILE [--dry-run] load a holiday notice file (docs/cases.md has the format)
    yiwang calendar days YEAR              the year's holidays, make-up days and local days
    yiwang calendar unload YEAR            forget a year's loaded notice

Every change moves the open deadlines it touches at once and is written to the audit trail.
"""

from __future__ import annotations

from pathlib import Path

import click

from engine.actors import Actor
from engine.models import utcnow
from processes import holiday_calendar

from . import audit

CLI_ACTOR = Actor.system("cli")
SOURCES = {"notice": "已导入通知", "library": "chinese-calendar 数据", "statutory": "仅法定节假日（临时）",
           "local": "本地"}
KINDS = {"holiday": "放假", "workday": "调休上班", "closure": "本地闭馆", "local_workday": "本地上班"}


def _env(ctx):
    return ctx.find_root().obj["env"]()


def _audited(env, action: str, object_id: str | None, details: dict):
    """A unit of work whose commit writes the audit record; ``details`` may still grow before the commit."""
    uow = env.unit_of_work()
    uow.before_commit(lambda unit: audit.append(unit.session, action=action, result="ok", actor="cli",
                                                source="cli", object_type="calendar", object_id=object_id,
                                                details=details))
    return uow


def _report(change: holiday_calendar.CalendarChange) -> None:
    years = ", ".join(map(str, change.years))
    verb = "将" if change.dry_run else "已"
    click.echo(f"{years}: {change.national_days} national days, {change.local_days} local days; "
               f"{verb}顺延 {change.cases_moved} 个办件、{change.steps_moved} 个环节的期限"
               f"{'（试运行，未保存）' if change.dry_run else ''}")
    for warning in change.warnings:
        click.echo(f"warning: {warning['message']}", err=True)


@click.group("calendar")
def calendar():
    """The working-day calendar: yearly State Council holiday notices and local days."""


@calendar.command("status")
@click.pass_context
def status(ctx):
    """Where each year's working days come from, and which notice to load."""
    env = _env(ctx)
    with env.unit_of_work() as uow:
        found = holiday_calendar.calendar_status(uow.session, now=utcnow())
    for year in found["years"]:
        notice = f"  {year['notice']}" if year["notice"] else ""
        click.echo(f"{year['year']}  {SOURCES[year['source']]}{notice}")
    for warning in found["warnings"]:
        click.echo(f"warning: {warning['message']}", err=True)


@calendar.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="check the file and say what would change; store nothing")
@click.pass_context
def import_file(ctx, file, dry_run):
    """Load a holiday notice file: one line per day, date,kind,name,notice."""
    env = _env(ctx)
    text = Path(file).read_text(encoding="utf-8-sig")
    details = {"file": Path(file).name, "dry_run": dry_run}

    def record(change) -> None:
        details.update(years=change.years, national_days=change.national_days, local_days=change.local_days,
                       cases_moved=change.cases_moved, steps_moved=change.steps_moved)

    change = holiday_calendar.import_calendar(_audited(env, "calendar.imported", None, details), text,
                                              actor=CLI_ACTOR, now=utcnow(), dry_run=dry_run, on_change=record)
    _report(change)


@calendar.command("days")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.pass_context
def days(ctx, year):
    """The year's days off, make-up working days and local days, with where each comes from."""
    env = _env(ctx)
    with env.unit_of_work() as uow:
        rows = holiday_calendar.calendar_days(uow.session, year)
    for row in rows:
        click.echo(f"{row['day']}  {KINDS[row['kind']]:<6}  {row['name'] or '':<10}  {SOURCES[row['source']]}"
                   f"{'  ' + row['notice'] if row['notice'] else ''}")


@calendar.command("unload")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.pass_context
def unload(ctx, year):
    """Forget a year's loaded notice: its days fall back to the library or the statutory holidays."""
    env = _env(ctx)
    details: dict = {}
    change = holiday_calendar.unload_year(_audited(env, "calendar.year_unloaded", str(year), details), year,
                                          now=utcnow(), on_change=lambda c: details.update(
                                              cases_moved=c.cases_moved, steps_moved=c.steps_moved))
    _report(change)
