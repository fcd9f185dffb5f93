"""Statistics (统计分析): cases by item, department, region, channel and month.

Plain functions returning rows (dicts) for the API and dashboards, and CSV of the
same rows. Per group: cases, online share, closed, on-time rate (cases decided by
their deadline, corrections' pauses excluded; refusals to accept and withdrawals are
not decided cases), duration percentiles in working days (pauses excluded), and the
ratings. Rows are computed from the case columns in one query (plus one for ratings);
working-day durations need the calendar, so the grouping is done here, not in SQL.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.calendar import CST

from .case_errors import CaseInvalid
from .case_models import Case
from .csv_rows import rows_to_csv
from .deadlines import load_calendar
from .rating_models import CaseRating

# dimension -> (output column, how to read it from a case row)
DIMENSIONS = {
    "item": ("item_code", lambda c: c.item_code),
    "department": ("department", lambda c: c.department),
    "region": ("region_code", lambda c: c.region_code),
    "channel": ("channel", lambda c: c.channel),
    "month": ("month", lambda c: c.opened_at.astimezone(CST).strftime("%Y-%m")),
}
METRICS = ("cases", "online", "online_share", "closed", "decided", "on_time", "on_time_rate",
           "duration_p50", "duration_p90", "duration_max", "rated", "rating_avg", "poor_ratings")
UNDECIDED = {"not_accepted", "cancelled"}


def case_statistics(session, *, by: Sequence[str] = (), opened_from: datetime | None = None,
                    opened_to: datetime | None = None, regions: Collection[str] | None = None) -> list[dict[str, Any]]:
    """One row per group of cases opened in [opened_from, opened_to) (and in ``regions``, if given),
    sorted by the group keys."""
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise CaseInvalid("unknown grouping", errors=[{"pointer": "/by", "message": f"one of {sorted(DIMENSIONS)}"}])
    query = select(Case.instance_id, Case.item_code, Case.department, Case.region_code, Case.channel,
                   Case.opened_at, Case.due_at, Case.paused_days, Case.outcome, Case.closed_at)
    if opened_from is not None:
        query = query.where(Case.opened_at >= opened_from)
    if opened_to is not None:
        query = query.where(Case.opened_at < opened_to)
    if regions is not None:
        query = query.where(Case.region_code.in_(sorted(regions)))
    cases = session.execute(query).all()
    scores = dict(session.execute(
        select(CaseRating.case_id, CaseRating.score).where(CaseRating.case_id.in_([c.instance_id for c in cases]))
    ).all()) if cases else {}
    calendar = load_calendar(session)
    groups: dict[tuple, list] = defaultdict(list)
    for case in cases:
        groups[tuple(DIMENSIONS[d][1](case) for d in by)].append(case)
    rows = []
    for key in sorted(groups):
        row = {DIMENSIONS[d][0]: value for d, value in zip(by, key, strict=True)}
        row.update(_metrics(groups[key], scores, calendar))
        rows.append(row)
    return rows


def statistics_csv(session, *, by: Sequence[str] = (), **filters: Any) -> str:
    rows = case_statistics(session, by=by, **filters)
    return rows_to_csv(rows, [DIMENSIONS[d][0] for d in by] + list(METRICS))


def _metrics(cases: list, scores: dict[str, int], calendar) -> dict[str, Any]:
    decided = [c for c in cases if c.closed_at is not None and c.outcome not in UNDECIDED]
    durations = sorted(max(0, calendar.working_days_between(c.opened_at, c.closed_at) - c.paused_days)
                       for c in decided)
    online = sum(c.channel == "online" for c in cases)
    on_time = sum(c.closed_at <= c.due_at for c in decided)
    rated = [scores[c.instance_id] for c in cases if c.instance_id in scores]
    return {
        "cases": len(cases),
        "online": online,
        "online_share": online / len(cases),
        "closed": sum(c.closed_at is not None for c in cases),
        "decided": len(decided),
        "on_time": on_time,
        "on_time_rate": on_time / len(decided) if decided else None,
        "duration_p50": percentile(durations, 50),
        "duration_p90": percentile(durations, 90),
        "duration_max": durations[-1] if durations else None,
        "rated": len(rated),
        "rating_avg": sum(rated) / len(rated) if rated else None,
        "poor_ratings": sum(score <= 2 for score in rated),
    }


def percentile(ordered: Sequence[int], p: float) -> int | None:
    """Nearest-rank percentile of an ascending sequence (a value that occurred, never interpolated)."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]
