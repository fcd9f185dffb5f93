"""Counts of a department's open tasks by warning light, flat however long the queue.

A step's light depends only on three things: when it was created (its China Standard
Time day), its deadline and the moment of asking (see ``processes.deadlines.Clock``:
red once past the deadline, yellow once ``yellow_share`` of its working days are
used). So the counts are kept per (group, creation day, deadline) rather than per
task; deadlines are ends of working days (:meth:`WorkingCalendar.add_working_days`),
so a department has a few hundred such keys however many tasks it holds, and the
light of each key is worked out when asked, with the current calendar and share.

Writes are insert-only: every task index change appends one signed row per (task,
group) to ``task_light_delta`` in the step's own transaction (:func:`follow`), so
concurrent steps of one department never queue on a shared counter row. A periodic
job (:func:`compact`) deletes the committed delta rows it can see and adds them to
``task_light_count`` in one transaction; rows of steps still running are invisible to
it and are left for the next run. A count reads both tables in one statement, hence
one snapshot: a delta row is counted either before or after its compaction, never
twice and never not at all.

Not counted here: the clock pauses of ``processes`` (a correction pushes the
deadlines of the case's other steps back); those steps keep their engine deadline.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    Integer,
    Select,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import insert

from . import jobs
from .calendar import WorkingCalendar
from .models import (
    NO_DEADLINE,
    TaskLightCount,
    TaskLightDelta,
    WorkTask,
    WorkTaskCandidate,
    utcnow,
)

LIGHTS = ("green", "yellow", "red")
COMPACT_JOB = "compact_task_lights"
# Delta rows folded per compaction transaction (a backlog is worked off over several runs).
COMPACT_BATCH = 50_000


def follow(uow, task_ids: list[str]) -> None:
    """Record that these tasks just opened (index state ``ready``) or closed, for each of their groups.

    Called by :func:`engine.task_index.sync` after it has written the new states; one
    ``INSERT ... SELECT`` whatever the number of tasks.
    """
    if task_ids:
        # Core execution: with parameters, the ORM would take an INSERT for a bulk insert of rows.
        uow.session.connection().execute(_follow_statement(uow.env.db_engine.dialect.name), {"task_ids": task_ids})


@lru_cache(maxsize=4)
def _follow_statement(dialect: str):
    # Built once per dialect: a step pays for executing it, not for building it.
    c, t = WorkTaskCandidate, WorkTask
    rows = (
        select(c.group_name, _cst_day(dialect, t.created_at), c.due_sort, case((c.state == "ready", 1), else_=-1))
        .join(t, t.id == c.task_id)
        .where(c.task_id.in_(bindparam("task_ids", expanding=True)))
    )
    return insert(TaskLightDelta).from_select(["group_name", "created_day", "due_at", "n"], rows)


def recount(uow, task_ids: list[str], sign: int) -> None:
    """Take open tasks out of their light keys (``sign`` -1) or put them back (+1).

    Around a change of their deadlines (:func:`engine.task_index.move_deadlines`):
    out under the old deadline, back in under the new one.
    """
    if task_ids:
        uow.session.connection().execute(_recount_statement(uow.env.db_engine.dialect.name, sign),
                                         {"task_ids": task_ids})


@lru_cache(maxsize=8)
def _recount_statement(dialect: str, sign: int):
    c, t = WorkTaskCandidate, WorkTask
    rows = (
        select(c.group_name, _cst_day(dialect, t.created_at), c.due_sort, literal_column(str(int(sign))))
        .join(t, t.id == c.task_id)
        .where(c.task_id.in_(bindparam("task_ids", expanding=True)), c.state == "ready")
    )
    return insert(TaskLightDelta).from_select(["group_name", "created_day", "due_at", "n"], rows)


def _cst_day(dialect: str, column):
    if dialect == "sqlite":
        # SQLite keeps UTC as naive text; China Standard Time is UTC+8 all year.
        return func.date(column, "+8 hours")
    return cast(func.timezone("Asia/Shanghai", column), Date)


def counts_by_light(uow, group: str, *, yellow_share: float, now: datetime | None = None,
                    calendar: WorkingCalendar | None = None) -> dict[str, int]:
    """Open tasks offered to ``group`` by light at ``now``; tasks without a deadline count as green."""
    now = now or utcnow()
    calendar = calendar or uow.env.calendar(uow.session)
    keys = light_keys(uow.session, group)
    return lights_of(keys, now=now, yellow_share=yellow_share, calendar=calendar)


def light_keys(session, group: str) -> list[tuple[int, float, int]]:
    """(creation day number, deadline as epoch seconds, open tasks) of a group.

    Compacted counts plus pending deltas. Days are numbered from 1970-01-01 (China
    Standard Time dates); plain numbers keep the per-key cost of a count tiny, so a
    department with more keys answers about as fast as one with few.
    """
    # Core execution: no ORM result machinery for rows that are plain numbers.
    connection = session.connection()
    return connection.execute(light_keys_query(group, connection.dialect.name)).all()


def light_keys_query(group: str, dialect: str = "postgresql") -> Select:
    """One statement (one snapshot) over both tables, each read by a range of its group index."""
    both = union_all(
        select(TaskLightCount.created_day, TaskLightCount.due_at, TaskLightCount.n)
        .where(TaskLightCount.group_name == group),
        select(TaskLightDelta.created_day, TaskLightDelta.due_at, TaskLightDelta.n)
        .where(TaskLightDelta.group_name == group),
    ).subquery("k")
    if dialect == "sqlite":  # dates as text, UTC times as naive text
        day = literal_column("CAST(julianday(k.created_day) - 2440587.5 AS INTEGER)", Integer)
        due = literal_column("(julianday(k.due_at) - 2440587.5) * 86400.0", Float)
    else:
        day = literal_column("(k.created_day - DATE '1970-01-01')", Integer)
        due = literal_column("extract(epoch FROM k.due_at)::float8", Float)
    total = func.sum(both.c.n)
    return (select(day, due, total).group_by(both.c.created_day, both.c.due_at).having(total != 0))


def key_of(created_day: date, due_at: datetime, n: int) -> tuple[int, float, int]:
    """A key as :func:`light_keys` returns it, from a creation day and a deadline."""
    return (created_day - _EPOCH_DAY).days, due_at.timestamp(), n


_EPOCH_DAY = date(1970, 1, 1)
_CST_OFFSET_S = 8 * 3600
_NO_DEADLINE_S = NO_DEADLINE.timestamp()


def _day_number(epoch_s: float) -> int:
    return int((epoch_s + _CST_OFFSET_S) // 86400)


def lights_of(keys, *, now: datetime, yellow_share: float, calendar: WorkingCalendar) -> dict[str, int]:
    """Sum the keys' counts by the light each key shows at ``now``.

    The rule is :meth:`processes.deadlines.Clock.light` for a step clock without pauses:
    red once past the deadline, yellow once ``yellow_share`` of the working days from the
    creation day to the deadline's day are used, green otherwise and without a deadline.
    """
    counts = dict.fromkeys(LIGHTS, 0)
    now_s = now.timestamp()
    today = _day_number(now_s)
    dated = [(created, _day_number(due), n) for created, due, n in keys if due < _NO_DEADLINE_S and now_s <= due]
    counts["red"] = sum(n for _, due, n in keys if now_s > due)
    counts["green"] = sum(n for _, due, n in keys if due >= _NO_DEADLINE_S)
    if not dated:
        return counts
    first = min(today, min(k[0] for k in dated))
    last = max(today, max(k[1] for k in dated))
    cumulative = _cumulative_working_days(calendar, _EPOCH_DAY + timedelta(days=first),
                                          _EPOCH_DAY + timedelta(days=last))
    used_by_day: dict[int, int] = {}
    for created, due_day, n in dated:
        # working days after the creation day up to the deadline's day / up to today
        limit = cumulative[due_day - first] - cumulative[created - first] if due_day > created else 0
        if created not in used_by_day:
            used_by_day[created] = cumulative[today - first] - cumulative[created - first] if today > created else 0
        if limit > 0 and used_by_day[created] / limit >= yellow_share:
            counts["yellow"] += n
        else:
            counts["green"] += n
    return counts


@lru_cache(maxsize=32)
def _cumulative_working_days(calendar: WorkingCalendar, first: date, last: date) -> tuple[int, ...]:
    # chinese_calendar costs ~25 us a day; a queue asks about the same two months all day long.
    # Calendars with the same days are equal (WorkingCalendar.key), so they share the cache.
    cumulative, day = [0], first
    while day < last:
        day += timedelta(days=1)
        cumulative.append(cumulative[-1] + calendar.is_working_day(day))
    return tuple(cumulative)


# -- compaction --------------------------------------------------------------
def compact(uow, *, batch: int = COMPACT_BATCH) -> int:
    """Fold committed delta rows into the counts, inside the caller's transaction; returns how many."""
    session = uow.session
    oldest = select(TaskLightDelta.id).order_by(TaskLightDelta.id).limit(batch).scalar_subquery()
    taken = session.execute(
        delete(TaskLightDelta).where(TaskLightDelta.id.in_(oldest))
        .returning(TaskLightDelta.group_name, TaskLightDelta.created_day, TaskLightDelta.due_at, TaskLightDelta.n)
    ).all()
    sums: dict[tuple, int] = defaultdict(int)
    for group, day, due, n in taken:
        sums[(group, _as_date(day), _as_utc(due))] += n
    rows = [{"group_name": g, "created_day": d, "due_at": due, "n": n} for (g, d, due), n in sums.items() if n]
    if rows:
        dialect = postgresql if uow.env.db_engine.dialect.name == "postgresql" else sqlite
        upsert = dialect.insert(TaskLightCount)
        session.execute(upsert.on_conflict_do_update(
            index_elements=["group_name", "created_day", "due_at"],
            set_={"n": TaskLightCount.n + upsert.excluded.n}), rows)
        session.execute(delete(TaskLightCount).where(TaskLightCount.n == 0))
    return len(taken)


@jobs.handler(COMPACT_JOB)
def compact_job(uow, bucket: int | None = None) -> None:
    """Periodic job (``env.periodic_jobs``); running it twice or concurrently is harmless."""
    compact(uow)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _as_utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
