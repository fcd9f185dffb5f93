"""Incidents: background steps that failed; list and retry."""

from __future__ import annotations

from flask import Blueprint

from engine import jobs, queries

from ..auditing import work
from ..auth import actor, reading
from ..endpoint import endpoint
from ..schemas.audit import IncidentQuerySchema
from ..schemas.instances import IncidentSchema

bp = Blueprint("incidents", __name__)


@bp.get("/incidents")
@endpoint("Incidents (open by default)", permission="incidents:manage", query=IncidentQuerySchema(),
          response=IncidentSchema(many=True))
def list_incidents(query):
    status = None if query["status"] == "all" else query["status"]
    with reading() as uow:
        found = queries.list_incidents(uow, status=status, instance_id=query["instance_id"])
    return found[query["offset"]:query["offset"] + query["limit"]]


@bp.post("/incidents/<int:incident_id>/retry")
@endpoint("Retry an incident now", permission="incidents:manage", response=None, status=204, errors=(404,),
          audit=("incident.retried", "incident"), audit_id="incident_id")
def retry(incident_id):
    jobs.retry_incident(work(), incident_id, actor=actor())
