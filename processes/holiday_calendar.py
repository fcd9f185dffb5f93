"""The working-day calendar an administrator maintains: yearly notices, local days, warnings.

Every deadline of the platform is counted in working days (:mod:`processes.deadlines`),
so the calendar is data the platform holds, not code: the State Council's yearly
holiday notice (国务院办公厅关于某年部分节假日安排的通知) is loaded as rows, and the city's
own closures and extra working days are rows too (:mod:`processes.calendar_models`).
A year without a loaded notice falls back to ``chinese-calendar`` where it knows the
year and to the statutory holidays alone otherwise; deadlines counted through such a
year are *provisional* (:meth:`engine.calendar.WorkingCalendar.is_provisional`).

Loading or correcting a year, or setting a local day, moves at once every open
case's and open step's deadline that the change touches (:func:`refresh_deadlines`).

The notice file (:func:`parse_calendar_file`), UTF-8, one day per line::

    # 国务院办公厅关于2027年部分节假日安排的通知
    date,kind,name,notice
    2027-01-01,holiday,元旦,国办发明电〔2026〕1号
    2027-02-07,workday,春节调休上班,国办发明电〔2026〕1号
    2027-07-15,closure,台风停止办公,市政府办公室通知〔2027〕3号

``kind`` is ``holiday`` (a day off by the notice), ``workday`` (a make-up working day,
always a Saturday or Sunday), ``closure`` (a local day off) or ``local_workday`` (a
local working day); the Chinese 放假, 上班, 闭馆 and 本地上班 are accepted too. Lines
starting with ``#`` and blank lines are skipped; the header line is optional.
Importing a file replaces, for each year it names, that year's national days if it
has any national line, and that year's local days if it has any local line.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import chinese_calendar
from sqlalchemy import delete, select

from engine.actors import Actor
from engine.calendar import CST, LIBRARY, NOTICE, STATUTORY, WorkingCalendar
from engine.statutory_holidays import statutory_holidays

from .calendar_models import KINDS, LOCAL_KINDS, CalendarDay, CalendarYear, scope_of
from .case_errors import CaseInvalid
from .deadlines import load_calendar, refresh_deadlines, require_aware

HEADER = ("date", "kind", "name", "notice")
KIND_ALIASES = {"放假": "holiday", "调休上班": "workday", "上班": "workday", "闭馆": "closure",
                "停止办公": "closure", "本地上班": "local_workday"}
MAX_LINES = 2000
# chinese-calendar names its holidays in English.
LIBRARY_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
                 "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
                 "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "中国人民抗日战争胜利70周年纪念日"}
# From this day of the year before, a year without its notice is warned about.
WARN_FROM = (11, 1)


@dataclass(frozen=True)
class CalendarLine:
    day: date
    kind: str
    name: str | None
    notice: str
    line: int

    @property
    def scope(self) -> str:
        return scope_of(self.kind)


@dataclass
class CalendarChange:
    """What a change of the calendar did (or, for a dry run, would do)."""

    years: list[int] = field(default_factory=list)
    national_days: int = 0
    local_days: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    cases_moved: int = 0
    steps_moved: int = 0
    dry_run: bool = False


OnChange = Callable[[CalendarChange], None]


# -- the file -----------------------------------------------------------------
def parse_calendar_file(text: str) -> tuple[list[CalendarLine], list[dict[str, Any]]]:
    """The file's lines, and warnings; raises :class:`CaseInvalid` listing every bad line."""
    lines, errors, seen = [], [], {}
    raw = text.lstrip("\ufeff").splitlines()
    if len(raw) > MAX_LINES:
        raise CaseInvalid("日历文件过长", errors=[_error(0, f"最多 {MAX_LINES} 行")])
    for number, row in enumerate(csv.reader(raw), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        cells = [cell.strip() for cell in row]
        if tuple(c.lower() for c in cells) == HEADER:
            continue
        line, problem = _line(number, cells)
        if problem:
            errors.append(_error(number, problem))
            continue
        key = (line.day, line.scope)
        if key in seen:
            errors.append(_error(number, f"{line.day} 与第 {seen[key]} 行重复"))
            continue
        seen[key] = number
        lines.append(line)
    if errors:
        raise CaseInvalid("日历文件有错误，未导入任何内容", errors=errors)
    if not lines:
        raise CaseInvalid("日历文件中没有日期", errors=[_error(0, "至少需要一行日期")])
    return lines, _missing_statutory(lines)


def _line(number: int, cells: list[str]) -> tuple[CalendarLine | None, str | None]:
    if len(cells) != 4:
        return None, f"应有 4 列（日期,类型,名称,通知），实际 {len(cells)} 列"
    text, kind, name, notice = cells
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None, f"“{text}”不是有效日期（格式：2027-01-01）"
    if not 2000 <= day.year <= 2100:
        return None, f"{day} 的年份应在 2000 至 2100 之间"
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in KINDS:
        return None, f"类型“{cells[1]}”无效，应为 holiday/放假、workday/上班、closure/闭馆 或 local_workday/本地上班"
    if not notice:
        return None, f"{day} 缺少出处（发布的通知文号）"
    if kind == "workday" and day.weekday() < 5:
        return None, f"{day} 是工作日（周{'一二三四五'[day.weekday()]}），调休上班日应为周六或周日"
    return CalendarLine(day, kind, name or None, notice, number), None


def _error(line: int, message: str) -> dict[str, Any]:
    where = f"第 {line} 行：" if line else ""
    return {"pointer": "/content", "line": line, "message": where + message}


def _missing_statutory(lines: list[CalendarLine]) -> list[dict[str, Any]]:
    """Statutory holidays on weekdays that a year's national lines do not give as days off."""
    warnings = []
    off = {line.day for line in lines if line.kind == "holiday"}
    for year in sorted({line.day.year for line in lines if line.scope == "national"}):
        for day, name in sorted(statutory_holidays(year).items()):
            if day.weekday() < 5 and day not in off:
                warnings.append({"code": "statutory-missing", "year": year, "day": day.isoformat(),
                                 "message": f"{day}（{name}）是法定节假日，但文件中未列为放假，请核对通知"})
    return warnings


# -- loading and correcting -------------------------------------------------------
def import_calendar(uow, text: str, *, actor: Actor, now: datetime, dry_run: bool = False,
                    on_change: OnChange | None = None) -> CalendarChange:
    """Load a notice file: replace the years it names and move the deadlines they touch.

    With ``dry_run`` the report says what would change and nothing is stored.
    ``on_change(report)`` runs just before the commit (the API's audit record takes it).
    """
    require_aware(now)
    lines, warnings = parse_calendar_file(text)
    report = CalendarChange(warnings=warnings, dry_run=dry_run)
    with uow:
        session = uow.session
        old = load_calendar(session)
        for year in sorted({line.day.year for line in lines}):
            of_year = [line for line in lines if line.day.year == year]
            for scope in ("national", "local"):
                scoped = [line for line in of_year if line.scope == scope]
                if scoped:
                    _replace(session, year, scope, scoped, actor)
            national = [line for line in of_year if line.scope == "national"]
            if national:
                _mark_loaded(session, year, national, actor, now)
            report.years.append(year)
        report.national_days = sum(line.scope == "national" for line in lines)
        report.local_days = len(lines) - report.national_days
        session.flush()
        report.cases_moved, report.steps_moved = _refresh(uow, old, report.years, now)
        if on_change is not None:
            on_change(report)
        if not dry_run:
            uow.commit()
    return report


def unload_year(uow, year: int, *, now: datetime, on_change: OnChange | None = None) -> CalendarChange:
    """Forget a year's notice: its days fall back to the library or the statutory holidays."""

    def change(session) -> None:
        session.execute(delete(CalendarDay).where(CalendarDay.scope == "national", *_in_year(year)))
        session.execute(delete(CalendarYear).where(CalendarYear.year == year))

    return _change(uow, year, change, now=now, on_change=on_change)


def set_local_day(uow, day: date, kind: str, *, actor: Actor, now: datetime, name: str | None = None,
                  notice: str | None = None, on_change: OnChange | None = None) -> CalendarChange:
    """Declare a local closure or local working day."""
    if kind not in LOCAL_KINDS:
        raise CaseInvalid("本地日期类型应为 closure（闭馆）或 local_workday（本地上班）",
                          errors=[{"pointer": "/kind", "message": f"“{kind}”无效"}])

    def change(session) -> None:
        row = session.get(CalendarDay, (day, "local")) or CalendarDay(day=day, scope="local")
        row.kind, row.name, row.notice, row.set_by, row.set_at = kind, name, notice, actor.user, now
        session.add(row)

    return _change(uow, day.year, change, now=now, on_change=on_change, local_days=1)


def clear_local_day(uow, day: date, *, now: datetime, on_change: OnChange | None = None) -> CalendarChange:
    """Give ``day`` back to the national calendar."""

    def change(session) -> None:
        row = session.get(CalendarDay, (day, "local"))
        if row is not None:
            session.delete(row)

    return _change(uow, day.year, change, now=now, on_change=on_change, local_days=1)


def _change(uow, year: int, change: Callable[[Any], None], *, now: datetime, on_change: OnChange | None,
            local_days: int = 0) -> CalendarChange:
    """Apply ``change(session)`` to ``year``'s days and move the deadlines it touches, in one transaction."""
    require_aware(now)
    report = CalendarChange(years=[year], local_days=local_days)
    with uow:
        old = load_calendar(uow.session)
        change(uow.session)
        uow.session.flush()
        report.cases_moved, report.steps_moved = _refresh(uow, old, [year], now)
        if on_change is not None:
            on_change(report)
        uow.commit()
    return report


def _replace(session, year: int, scope: str, lines: list[CalendarLine], actor: Actor) -> None:
    session.execute(delete(CalendarDay).where(CalendarDay.scope == scope, *_in_year(year)))
    session.add_all(CalendarDay(day=line.day, scope=scope, kind=line.kind, name=line.name, notice=line.notice,
                                set_by=actor.user) for line in lines)


def _mark_loaded(session, year: int, lines: list[CalendarLine], actor: Actor, now: datetime) -> None:
    notices = "；".join(dict.fromkeys(line.notice for line in lines))
    row = session.get(CalendarYear, year) or CalendarYear(year=year)
    row.notice, row.loaded_by, row.loaded_at = notices, actor.user, now
    session.add(row)


def _refresh(uow, old: WorkingCalendar, years: list[int], now: datetime) -> tuple[int, int]:
    new = load_calendar(uow.session)
    return refresh_deadlines(uow, old, new, date(min(years), 1, 1), date(max(years), 12, 31), now=now)


def _in_year(year: int):
    return CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)


# -- reading ------------------------------------------------------------------
def calendar_days(session, year: int) -> list[dict[str, Any]]:
    """Every day of ``year`` that is not an ordinary Monday-Friday working day or weekend, and why.

    Rows say where each comes from: ``local``, ``notice`` (loaded), ``library``
    (chinese-calendar) or ``statutory`` (the law alone: the year is provisional).
    """
    calendar = load_calendar(session)
    source = calendar.source_of(year)
    rows = session.scalars(select(CalendarDay).where(*_in_year(year)).order_by(CalendarDay.day)).all()
    days = [_row(r) for r in rows if r.scope == "local" or source == NOTICE]
    if source == LIBRARY:
        days += _library_days(year, calendar)
    elif source == STATUTORY:
        days += [{"day": day, "scope": "national", "kind": "holiday", "working": False, "name": name,
                  "source": STATUTORY, "notice": None, "set_by": None, "set_at": None}
                 for day, name in sorted(statutory_holidays(year).items())]
    return sorted(days, key=lambda d: (d["day"], d["scope"]))


def _row(row: CalendarDay) -> dict[str, Any]:
    return {"day": row.day, "scope": row.scope, "kind": row.kind, "working": row.working, "name": row.name,
            "source": "local" if row.scope == "local" else NOTICE, "notice": row.notice, "set_by": row.set_by,
            "set_at": row.set_at}


def _library_days(year: int, calendar: WorkingCalendar) -> list[dict[str, Any]]:
    national = WorkingCalendar(notice_years=calendar.notice_years)  # without the local days
    days, day = [], date(year, 1, 1)
    while day.year == year:
        working, weekday = national.is_working_day(day), day.weekday() < 5
        if working != weekday:
            name = LIBRARY_NAMES.get(chinese_calendar.get_holiday_detail(day)[1])
            days.append({"day": day, "scope": "national", "kind": "workday" if working else "holiday",
                         "working": working, "name": f"{name}调休上班" if working and name else name,
                         "source": LIBRARY, "notice": None, "set_by": None, "set_at": None})
        day += timedelta(days=1)
    return days


def calendar_status(session, *, now: datetime) -> dict[str, Any]:
    """Where each year's calendar comes from, and what an administrator must do about it."""
    require_aware(now)
    calendar = load_calendar(session)
    today = now.astimezone(CST).date()
    loaded = {row.year: row for row in session.scalars(select(CalendarYear))}
    shown = sorted({today.year - 1, today.year, today.year + 1, *loaded})
    years = [{"year": year, "source": calendar.source_of(year), "provisional": calendar.is_provisional_year(year),
              "notice": loaded[year].notice if year in loaded else None,
              "loaded_by": loaded[year].loaded_by if year in loaded else None,
              "loaded_at": loaded[year].loaded_at if year in loaded else None} for year in shown]
    return {"years": years, "warnings": notice_warnings(calendar, today)}


def notice_warnings(calendar: WorkingCalendar, today: date) -> list[dict[str, Any]]:
    """The years an administrator must load a notice for: this year, and next year from 1 November."""
    due = [today.year] + ([today.year + 1] if (today.month, today.day) >= WARN_FROM else [])
    return [{"code": "notice-missing", "year": year,
             "message": f"{year} 年节假日安排通知尚未导入：{year} 年的期限暂按法定节假日计算（临时），"
                        f"请在国务院办公厅通知发布后导入。",
             "message_en": f"{year} holiday notice not loaded: deadlines in {year} count the statutory "
                           f"holidays only (provisional) until the State Council's notice is imported."}
            for year in due if calendar.is_provisional_year(year)]


def local_years(session) -> list[int]:
    """The years that have local days."""
    days = session.scalars(select(CalendarDay.day).where(CalendarDay.scope == "local")).all()
    return sorted({day.year for day in days})
