"""Moving a case's stored personal data to the current data key, and sealing what is still plaintext.

Run by ``yiwang data-keys reseal`` after a key rotation, and once after upgrading a
database whose rows were written before sealing existed. Each case is resealed in
its own short transaction, holding its ``process_instance`` row lock (an UPDATE that
changes nothing) so a step of the same case waits rather than interleaving; resealing
never changes what a case holds, so neither the row version nor any cache moves.
Running it again changes nothing (:meth:`engine.sealing.DataProtector.reseal`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from sqlalchemy import bindparam, select, update

from .history import PLAIN_DETAILS, context_of
from .instance_store import task_body_with
from .models import HistoryEvent, InstanceTaskState, MessageSubscription, ProcessInstance

BATCH = 200

_INSTANCES = ProcessInstance.__table__
_HOLD = (update(_INSTANCES).where(_INSTANCES.c.id == bindparam("of_instance"))
         .values(version=_INSTANCES.c.version))


def reseal_instances(env, *, dry_run: bool = False, progress: Callable[[int], None] | None = None) -> Counter:
    """Reseal every case's state, history and message subscriptions; returns rows changed per table."""
    changed: Counter = Counter()
    done = 0
    for ids in _batches(env):
        for instance_id in ids:
            with env.unit_of_work() as uow:
                changed += _reseal_one(uow, instance_id, dry_run)
                if not dry_run:
                    uow.commit()
        done += len(ids)
        if progress is not None:
            progress(done)
    return changed


def _batches(env) -> Iterator[list[str]]:
    after = ""
    while True:
        with env.unit_of_work() as uow:
            ids = list(uow.session.scalars(select(ProcessInstance.id).where(ProcessInstance.id > after)
                                           .order_by(ProcessInstance.id).limit(BATCH)))
        if not ids:
            return
        yield ids
        after = ids[-1]


def _reseal_one(uow, instance_id: str, dry_run: bool) -> Counter:
    session, protector = uow.session, uow.env.protector
    session.execute(_HOLD, {"of_instance": instance_id})
    context = context_of(instance_id)
    row = session.get(ProcessInstance, instance_id)
    fields = protector.fields_for(session, row.form_versions)
    changed: Counter = Counter()

    def again(value):
        return protector.reseal(value, context, fields)

    meta = again(row.state_meta)
    if meta is not row.state_meta:
        changed["process_instance"] += 1
        if not dry_run:
            session.execute(update(_INSTANCES).where(_INSTANCES.c.id == instance_id).values(state_meta=meta))
    for task in session.scalars(select(InstanceTaskState).where(InstanceTaskState.instance_id == instance_id)):
        changed["instance_task_state"] += _replace(task, "body", lambda body: task_body_with(again, body), dry_run)
    for event in session.scalars(select(HistoryEvent).where(HistoryEvent.instance_id == instance_id)):
        changed["history_event"] += _replace(event, "details", lambda details: _history_details(details, again),
                                             dry_run)
    for subscription in session.scalars(select(MessageSubscription)
                                        .where(MessageSubscription.instance_id == instance_id)):
        changed["message_subscription"] += _replace(subscription, "correlations", again, dry_run)
    return changed


def _history_details(details, again):
    if not isinstance(details, dict):
        return again(details)
    plain = {key: details[key] for key in PLAIN_DETAILS & details.keys()}
    rest = {key: value for key, value in details.items() if key not in plain}
    resealed = again(rest)
    return details if resealed is rest else {**resealed, **plain}


def _replace(entity, column: str, again, dry_run: bool) -> int:
    """Reseal one column of an ORM row; 1 when it changed."""
    before = getattr(entity, column)
    after = again(before)
    if after is before:
        return 0
    if not dry_run:
        setattr(entity, column, after)
    return 1
