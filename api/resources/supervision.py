"""Electronic supervision (电子监察): lights by item, department and region, notices, poor ratings,
statistics (with CSV exports) and the lights sweep.
"""

from __future__ import annotations

from flask import Blueprint, Response
from marshmallow import Schema

from processes import ratings, statistics, supervision

from ..auditing import context, work
from .. import access
from ..auth import actor, reading, require_principal
from ..case_settings import case_config, now
from ..endpoint import Reply, endpoint
from ..errors import Hidden
from ..schemas.supervision import (
    FlaggedQuerySchema,
    FlaggedRatingSchema,
    FollowUpSchema,
    NoticeQuerySchema,
    NoticeSchema,
    StatisticsQuerySchema,
    StatisticsRowSchema,
    SupervisedCaseSchema,
    SupervisedQuerySchema,
    SweepSchema,
)

bp = Blueprint("supervision", __name__)
READ = "supervision:read"
ACT = "supervision:act"
FILE = Schema()


def _regions():
    """The caller's regions when they are a region-bound supervisor, else None (everything)."""
    return require_principal().regions


def _csv(text: str, name: str) -> Response:
    # A byte order mark, so spreadsheet programs read the Chinese text as UTF-8.
    return Response("\ufeff" + text, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/supervision/cases")
@endpoint("Cases by light, item, department and region, most urgent first", permission=READ,
          query=SupervisedQuerySchema(), response=SupervisedCaseSchema(many=True))
def supervised_cases(query):
    with reading() as uow:
        return supervision.supervised_cases(uow.session, **query, regions=_regions())


@bp.get("/supervision/cases.csv")
@endpoint("The same cases as CSV", permission=READ, query=SupervisedQuerySchema(), response=FILE,
          produces="text/csv")
def supervised_cases_csv(query):
    with reading() as uow:
        return _csv(supervision.supervised_cases_csv(uow.session, **query, regions=_regions()),
                    "supervised-cases.csv")


@bp.get("/supervision/notices")
@endpoint("Yellow and red lights raised, for the group that must act", permission=READ,
          query=NoticeQuerySchema(), response=NoticeSchema(many=True))
def notices(query):
    with reading() as uow:
        return supervision.notices(uow.session, **query, regions=_regions())


@bp.post("/supervision/notices/<int:notice_id>/acknowledge")
@endpoint("Acknowledge a notice", permission=ACT, response=NoticeSchema(), errors=(404,),
          audit=("supervision.notice_acknowledged", "notice"), audit_id="notice_id")
def acknowledge(notice_id):
    with reading() as uow:
        visible = [n for n in supervision.notices(uow.session, open_only=False, regions=_regions())
                   if n["id"] == notice_id]
    if not visible:
        raise Hidden("no such notice", notice_id=notice_id)
    supervision.acknowledge_notice(work(), notice_id, actor=actor(), now=now())
    with reading() as uow:
        return next(n for n in supervision.notices(uow.session, open_only=False) if n["id"] == notice_id)


@bp.post("/supervision/sweep")
@endpoint("Mark every open case's lights now (the scheduler also does this every few minutes)",
          permission="supervision:sweep", response=SweepSchema(), status=202,
          audit=("supervision.swept", None))
def sweep():
    at = now()
    queued = supervision.schedule_sweep(work(), yellow_share=case_config().yellow_share, now=at)
    context().details = {"queued": queued}
    return Reply({"queued": queued, "at": at})


@bp.get("/ratings/flagged")
@endpoint("Poor ratings (1-2) and whose step they are about, for follow-up", permission=READ,
          query=FlaggedQuerySchema(), response=FlaggedRatingSchema(many=True))
def flagged(query):
    with reading() as uow:
        return ratings.flagged_ratings(uow.session, **query, regions=_regions())


@bp.post("/ratings/<case_id>/follow-up")
@endpoint("Record what was done about a poor rating", permission=ACT, body=FollowUpSchema(),
          response=FlaggedRatingSchema(), errors=(404,), audit=("rating.followed_up", "case"),
          audit_id="case_id")
def follow_up(case_id, body):
    with reading() as uow:
        access.require_case(uow.session, require_principal(), case_id)
    ratings.follow_up(work(), case_id, body["note"], actor=actor(), now=now())
    with reading() as uow:
        return next(r for r in ratings.flagged_ratings(uow.session, open_only=False) if r["case_id"] == case_id)


@bp.get("/statistics")
@endpoint("Cases, on-time rate, durations and satisfaction, grouped by item, department, region, channel, month",
          permission=READ, query=StatisticsQuerySchema(), response=StatisticsRowSchema(many=True))
def case_statistics(query):
    with reading() as uow:
        return statistics.case_statistics(uow.session, **query, regions=_regions())


@bp.get("/statistics.csv")
@endpoint("The same statistics as CSV", permission=READ, query=StatisticsQuerySchema(), response=FILE,
          produces="text/csv")
def statistics_csv(query):
    with reading() as uow:
        return _csv(statistics.statistics_csv(uow.session, **query, regions=_regions()), "statistics.csv")
