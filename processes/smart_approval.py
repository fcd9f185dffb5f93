"""Smart approval (智慧审批): record which decision-table rule decided a case's step.

An item decides automatically by putting a business-rule task (a DMN decision
table) in its process, followed by a gateway on the table's output; the engine
evaluates the table. SpiffWorkflow merges only the *outputs* into the task data
(``BusinessRuleTaskMixin._run_hook`` → ``DMNEngine.result``) and keeps no trace of
the rule that matched, but ``DMNEngine.decide(task)`` returns the matched
:class:`~SpiffWorkflow.dmn.specs.model.Rule` objects (id, row number, description).
So after a step, a job re-evaluates each finished rule task of the case over the
data it ran on (its parent's data: what the task inherited before the outputs were
merged) and stores the rules and outputs. The job takes the case id and can run
twice: a rule task is recorded once (its task id is the key). The rules recorded are
those whose outputs were used: the first that held (UNIQUE, FIRST ...), or all that
held for COLLECT.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.dmn.specs.model import HitPolicy
from SpiffWorkflow.util.task import TaskState

from engine import instance_store, jobs
from engine.instance_cache import CachedInstance
from engine.models import utcnow

from .decision_models import CaseDecision

JOB = "record_case_decisions"


def schedule_recording(uow, case_id: str) -> None:
    """Queue the recording for after this step's commit."""
    jobs.schedule(uow, JOB, {"case_id": case_id}, dedup_key=f"{JOB}:{case_id}")


@jobs.handler(JOB)
def record_case_decisions(uow, case_id: str) -> None:
    record_decisions(uow, case_id, now=utcnow())


def record_decisions(uow, case_id: str, *, now: datetime) -> int:
    """Store the rules and outputs of every rule task the case finished; returns how many were new."""
    session = uow.session
    known = set(session.scalars(select(CaseDecision.task_id).where(CaseDecision.case_id == case_id)))
    loaded = instance_store.load(uow, case_id)
    added = 0
    # Every task, not get_tasks(): that walk stops at depth 1000, and a long case is deeper.
    for task in [t for t in loaded.workflow.tasks.values() if t.state == TaskState.COMPLETED]:
        spec = task.task_spec
        if not isinstance(spec, BusinessRuleTaskMixin) or str(task.id) in known:
            continue
        table = spec.dmnEngine.decision_table
        inputs = _AsItRan(task)
        session.add(CaseDecision(
            task_id=str(task.id), case_id=case_id, element_id=spec.bpmn_id, table_id=table.id,
            table_name=table.name, hit_policy=table.hit_policy,
            rules=[{"id": r.id, "row": r.row_number, "description": r.description or None}
                   for r in _fired(spec.dmnEngine.decide(inputs), table.hit_policy)],
            outputs=_json_safe(spec.dmnEngine.result(inputs)), recorded_at=now,
        ))
        added += 1
    # Reading changed nothing: hand the workflow back to the cache for the next step.
    uow.env.instances.put(case_id, CachedInstance(loaded.row.version, loaded.workflow, loaded.before))
    return added


def decisions_of(session, case_id: str) -> list[dict[str, Any]]:
    rows = session.scalars(select(CaseDecision).where(CaseDecision.case_id == case_id)
                           .order_by(CaseDecision.recorded_at, CaseDecision.task_id))
    return [{"task_id": d.task_id, "element_id": d.element_id, "table_id": d.table_id,
             "table_name": d.table_name, "hit_policy": d.hit_policy, "rules": d.rules,
             "outputs": d.outputs, "recorded_at": d.recorded_at} for d in rows]


def _fired(matched: list, hit_policy: str) -> list:
    """The rules whose outputs were used: all for COLLECT, else the first (as DMNEngine.result does)."""
    return matched if hit_policy == HitPolicy.COLLECT.value else matched[:1]


class _AsItRan:
    """The rule task as the table saw it: the data it inherited, before its outputs were merged."""

    def __init__(self, task) -> None:
        self.id, self.task_spec, self.workflow = task.id, task.task_spec, task.workflow
        self.data = copy.deepcopy(task.parent.data if task.parent is not None else task.data)


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))
