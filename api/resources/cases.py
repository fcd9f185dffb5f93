"""Cases (办件) of catalogue items: open, receipt and QR code, public progress, corrections, promises,
refusal, rating.

Every call goes through :mod:`processes` with the app's clock; who may act is
checked twice: the API's access rules first (a case one may not see answers 404),
then the use case's own (the applicant, the accepting window, staff only ...).
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from marshmallow import Schema

from processes import commitments, corrections, ratings, receipts, refusals
from processes import cases as case_use_cases
from processes.case_errors import CaseNotFound

from .. import access, case_work, idempotency
from ..auditing import context, work
from ..auth import actor, reading, require_principal
from ..case_settings import case_config, now
from ..endpoint import IDEMPOTENCY_KEY, REPLAYED, Reply, endpoint, idempotency_claim
from ..schemas.cases import (
    CasePageSchema,
    CaseQuerySchema,
    CaseSchema,
    CorrectionRequestSchema,
    CorrectionSchema,
    OpenCaseSchema,
    PromiseRequestSchema,
    ProgressQuerySchema,
    PromiseSchema,
    PublicProgressSchema,
    RatingRequestSchema,
    RatingSchema,
    ReceiptSchema,
    RefusalRequestSchema,
    RefusalSchema,
    ResubmitSchema,
    ResubmittedSchema,
)

bp = Blueprint("cases", __name__)
READ = "instances:read"
WORK = "tasks:work"
FILE = Schema()


def _visible(case_id: str, check=access.require_case) -> None:
    """404 unless the service case exists and the caller may see it (``check`` may ask more)."""
    if context() is not None:
        context().case_id = case_id
    with reading() as uow:
        check(uow.session, require_principal(), case_id)


def _handling(case_id: str) -> None:
    """Staff actions: only staff working this case (its window, or a step of it)."""
    _visible(case_id, access.require_handling)


def _view(case_id: str) -> dict:
    with reading() as uow:
        return case_work.case_view(uow.session, case_id, now=now())


def _receipt(case_id: str) -> dict:
    with reading() as uow:
        receipt = receipts.make_receipt(uow.session, case_id,
                                        base_url=case_config().public_base_url or request.host_url)
    base = f"/api/v1/cases/{case_id}/receipt"
    return {**{k: getattr(receipt, k) for k in ("tracking_number", "query_code", "item_code", "item_name", "channel",
                                                  "opened_at", "promised_days", "due_at", "due_provisional",
                                                  "progress_url")},
            "case_id": case_id, "qr_svg": f"{base}/qr.svg", "qr_png": f"{base}/qr.png"}


@bp.post("/cases")
@endpoint("Open a case for a service item: online (the applicant) or at a window (a clerk, for a citizen)",
          permission="instances:start", body=OpenCaseSchema(), response=ReceiptSchema(), status=201,
          statuses=(200,), headers=(IDEMPOTENCY_KEY,), errors=(404,),
          response_headers={"Location": "the case", **REPLAYED}, audit=("case.opened", "case"),
          description="Answers with the receipt (受理回执): tracking number, promised deadline in working days "
                      "and the QR code to the public progress page. A retry with the same Idempotency-Key "
                      "answers 200 with the first case's receipt.")
def open_case(body):
    principal = require_principal()
    ctx = context()
    ctx.details = {"item_code": body["item_code"], "item_version": body["item_version"],
                   "channel": body["channel"], "window": body["window"]}
    ctx.object_from = lambda unit: unit.instance_id

    def open_one(uow) -> list[str]:
        return [case_work.open_case(uow, principal, item_code=body["item_code"], item_version=body["item_version"],
                                    channel=body["channel"], window=body["window"], applicant=body["applicant"],
                                    data=body["data"], now=now())]

    opened, replayed = idempotency.run_once(work(), idempotency_claim("cases", body), open_one)
    case_id = opened[0]
    headers = {"Location": f"/api/v1/cases/{case_id}"}
    if not replayed:
        return Reply(_receipt(case_id), headers=headers)
    ctx.object_id = case_id
    ctx.details["replayed"] = True
    return Reply(_receipt(case_id), 200, {**headers, "Idempotency-Replayed": "true"})


@bp.get("/cases")
@endpoint("Cases I may see, newest first", permission=READ, query=CaseQuerySchema(), response=CasePageSchema())
def list_cases(query):
    with reading() as uow:
        items, total = case_work.list_cases(uow.session, require_principal(), **query)
    return {"items": items, "total": total, "limit": query["limit"], "offset": query["offset"]}


@bp.get("/cases/<case_id>")
@endpoint("A case: clock, light, open steps, corrections, promises, refusal, licences, rating", permission=READ,
          response=CaseSchema(), errors=(404,))
def get_case(case_id):
    _visible(case_id)
    return _view(case_id)


@bp.get("/cases/<case_id>/receipt")
@endpoint("The case's receipt (受理回执)", permission=READ, response=ReceiptSchema(), errors=(404,))
def receipt(case_id):
    _visible(case_id)
    return _receipt(case_id)


def _qr(case_id: str, kind: str) -> Response:
    _visible(case_id)
    url = _receipt(case_id)["progress_url"]
    if kind == "svg":
        return Response(receipts.qr_svg(url), mimetype="image/svg+xml")
    return Response(receipts.qr_png(url), mimetype="image/png")


@bp.get("/cases/<case_id>/receipt/qr.svg")
@endpoint("The receipt's QR code (SVG) to the public progress page", permission=READ, response=FILE,
          produces="image/svg+xml", errors=(404,))
def qr_svg(case_id):
    return _qr(case_id, "svg")


@bp.get("/cases/<case_id>/receipt/qr.png")
@endpoint("The receipt's QR code (PNG) to the public progress page", permission=READ, response=FILE,
          produces="image/png", errors=(404,))
def qr_png(case_id):
    return _qr(case_id, "png")


@bp.get("/progress/<tracking_number>")
@endpoint("Progress of a case (跟踪办) by its tracking number and the receipt's query code; no personal data",
          public=True, query=ProgressQuerySchema(), response=PublicProgressSchema(), errors=(404,),
          rate_limit="PROGRESS_RATE_LIMIT",
          description="Tracking numbers can be guessed; the query code (查询码) on the receipt and in its QR link "
                      "cannot. A wrong or missing code answers 404 like an unknown number.")
def progress(tracking_number, query):
    with reading() as uow:
        return case_use_cases.public_progress(uow.session, tracking_number, query_code=query["code"], now=now())


@bp.post("/cases/<case_id>/corrections")
@endpoint("Ask for corrections (补正): one notice lists everything; the clock stops until resubmission",
          permission=WORK, body=CorrectionRequestSchema(), response=CorrectionSchema(), status=201,
          errors=(404, 409), audit=("case.correction_requested", "case"), audit_id="case_id",
          description="With task_id the window's step is completed with data (its process hands the case to "
                      "the applicant); without, the case is suspended until resubmitted.")
def request_correction(case_id, body):
    _handling(case_id)
    context().details = {"items": len(body["items"]), "task_id": body["task_id"]}
    notice_id = corrections.request_correction(work(), case_id, body["items"], actor=actor(), now=now(),
                                               task_id=body["task_id"], data=body["data"])
    with reading() as uow:
        return next(c for c in corrections.corrections_of(uow.session, case_id) if c["id"] == notice_id)


@bp.post("/cases/<case_id>/resubmit")
@endpoint("Hand in the corrections (the applicant, or their window): the clock runs again",
          permission=READ, body=ResubmitSchema(), response=ResubmittedSchema(), errors=(404, 409),
          audit=("case.resubmitted", "case"), audit_id="case_id")
def resubmit(case_id, body):
    _visible(case_id)
    days = corrections.resubmit(work(), case_id, actor=actor(), now=now(), data=body["data"])
    with reading() as uow:
        due_at = case_use_cases.case_row(uow.session, case_id).due_at
    return {"case_id": case_id, "paused_working_days": days, "due_at": due_at}


@bp.post("/cases/<case_id>/promises")
@endpoint("Accept now, materials later: with deficiencies (容缺受理) or on commitment (告知承诺)",
          permission=WORK, body=PromiseRequestSchema(), response=PromiseSchema(), status=201, errors=(404, 409),
          audit=("case.promise_granted", "case"), audit_id="case_id")
def grant_promise(case_id, body):
    _handling(case_id)
    context().details = {"kind": body["kind"], "items": len(body["items"]), "task_id": body["task_id"]}
    days = body["days"]
    if days is None:
        with reading() as uow:
            days = case_work.promise_days(uow.session, case_id, body["kind"])
    grant = commitments.accept_with_deficiencies if body["kind"] == "deficiency" else commitments.accept_on_commitment
    promise_id = grant(work(), case_id, body["items"], days=days, actor=actor(), now=now(),
                       task_id=body["task_id"], data=body["data"])
    return _promise(case_id, promise_id)


def _promise(case_id: str, promise_id: int) -> dict:
    with reading() as uow:
        return next(p for p in commitments.promises_of(uow.session, case_id, now=now()) if p["id"] == promise_id)


@bp.post("/cases/<case_id>/promises/<int:promise_id>/fulfil")
@endpoint("The promised materials arrived", permission=WORK, response=PromiseSchema(), errors=(404, 409),
          audit=("case.promise_fulfilled", "case"), audit_id="case_id")
def fulfil_promise(case_id, promise_id):
    _handling(case_id)
    if not any(p["id"] == promise_id for p in _view(case_id)["promises"]):
        raise CaseNotFound("the case has no such promise", case_id=case_id, promise_id=promise_id)
    commitments.fulfil_promise(work(), promise_id, actor=actor(), now=now())
    return _promise(case_id, promise_id)


@bp.post("/cases/<case_id>/refusal")
@endpoint("Refuse to accept (不予受理): the reason, a notice naming the remedies, the case closed",
          permission=WORK, body=RefusalRequestSchema(), response=RefusalSchema(), status=201, errors=(404, 409),
          audit=("case.refused", "case"), audit_id="case_id")
def refuse(case_id, body):
    _handling(case_id)
    refusals.refuse_case(work(), case_id, body["reason"], actor=actor(), now=now(), basis=body["basis"],
                         task_id=body["task_id"], data=body["data"])
    return _view(case_id)["refusal"]


@bp.post("/cases/<case_id>/rating")
@endpoint("Rate a finished case (好差评): its applicant, once", permission=READ, body=RatingRequestSchema(),
          response=RatingSchema(), status=201, errors=(404, 409), audit=("case.rated", "case"),
          audit_id="case_id")
def rate(case_id, body):
    _visible(case_id)
    context().details = {"score": body["score"]}
    ratings.rate_case(work(), case_id, body["score"], body["comment"], actor=actor(), now=now())
    return _view(case_id)["rating"]
