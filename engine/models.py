"""Tables the engine owns: definitions, instances, their task state, and the indexes over them.

An instance's SpiffWorkflow state is split in two: ``process_instance.state_meta``
(workflow-level fields, small) and one ``instance_task_state`` row per task, so a
step rewrites only the tasks it changed (see :mod:`engine.state`). The other tables
are indexes kept in the same transaction so worklists, timers and message
correlation never have to deserialize an instance.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend.

    SQLite has no time zones: values are stored as naive UTC and given UTC back on
    read; PostgreSQL stores ``timestamptz``. Naive inputs are refused so a local
    clock time can never be stored as if it were UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone-aware value")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class ProcessDefinition(Base):
    """One immutable, deployed version of an executable BPMN process."""

    __tablename__ = "process_definition"
    __table_args__ = (
        UniqueConstraint("process_id", "version"),
        Index("ix_process_definition_hash", "process_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64))
    # {filename: xml text} of every BPMN/DMN file of the bundle, as uploaded.
    sources: Mapped[dict[str, str]] = mapped_column(JSON, deferred=True)
    # Serialized SpiffWorkflow specs: {"spec": ..., "subprocess_specs": {...}}.
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    # Call activities bound to other deployed processes: {called_process_id: "latest" | version}.
    call_bindings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    start_messages: Mapped[list[str]] = mapped_column(JSON, default=list)
    form_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    lint: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, deferred=True)
    note: Mapped[str | None] = mapped_column(Text)
    deployed_by: Mapped[str | None] = mapped_column(String(255))
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ProcessInstance(Base):
    """A running or finished case of a process definition."""

    __tablename__ = "process_instance"
    __table_args__ = (
        Index("ix_process_instance_business_key", "business_key"),
        Index("ix_process_instance_status", "status", "definition_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    process_id: Mapped[str] = mapped_column(String(255))
    business_key: Mapped[str | None] = mapped_column(String(255))
    # running | suspended | completed | cancelled | terminated
    status: Mapped[str] = mapped_column(String(20), default="running")
    # Read only when the instance is not in the process cache (see instance_store.load).
    state_meta: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    # {called_process_id: definition id} pinned when the instance started.
    call_definitions: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # {form_key: version} pinned when the instance started: a case keeps its forms.
    form_versions: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    started_by: Mapped[str | None] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class InstanceTaskState(Base):
    """The serialized SpiffWorkflow task, one row per task of an instance."""

    __tablename__ = "instance_task_state"

    instance_id: Mapped[str] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"), primary_key=True
    )
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class WorkTask(Base):
    """Index row for every human task (user/manual): what worklists read."""

    __tablename__ = "work_task"
    __table_args__ = (
        Index("ix_work_task_instance", "instance_id", "state"),
        Index("ix_work_task_assignee", "assignee", "state", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    definition_id: Mapped[int] = mapped_column(Integer)
    process_id: Mapped[str] = mapped_column(String(255))
    business_key: Mapped[str | None] = mapped_column(String(255))
    element_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20), default="user")  # user | manual
    # ready | completed | cancelled
    state: Mapped[str] = mapped_column(String(20))
    assignee: Mapped[str | None] = mapped_column(String(255))
    candidate_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    candidate_users: Mapped[list[str]] = mapped_column(JSON, default=list)
    form_key: Mapped[str | None] = mapped_column(String(255))
    # Multi-instance children: the item this child handles (e.g. the department).
    loop_item: Mapped[Any] = mapped_column(JSON, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The step's limit in working days (yw:timeLimit), kept so a calendar change can move due_at.
    time_limit_days: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(255))


# Sorts after every real deadline: queues put tasks without one last, on every backend.
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=timezone.utc)


class WorkTaskCandidate(Base):
    """(group, task) pairs, with the columns a department queue filters and sorts on.

    A queue page (group, state, optionally process; by deadline) is one index range
    scan, whatever the number of open tasks.
    """

    __tablename__ = "work_task_candidate"
    __table_args__ = (
        Index("ix_work_task_candidate_queue", "group_name", "state", "due_sort", "task_id"),
        Index("ix_work_task_candidate_item_queue", "group_name", "state", "process_id", "due_sort", "task_id"),
    )

    task_id: Mapped[str] = mapped_column(
        ForeignKey("work_task.id", ondelete="CASCADE"), primary_key=True
    )
    group_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    process_id: Mapped[str] = mapped_column(String(255))
    due_sort: Mapped[datetime] = mapped_column(UtcDateTime(), default=NO_DEADLINE)


class TaskLightDelta(Base):
    """One signed change of a department's open tasks, keyed by what decides their light.

    Appended in the step's own transaction (+1 when a task opens for the group, -1 when
    it closes) and never updated, so concurrent steps of one department never wait on a
    shared row; :func:`engine.task_lights.compact` folds these rows into
    :class:`TaskLightCount`. See :mod:`engine.task_lights`.
    """

    __tablename__ = "task_light_delta"
    __table_args__ = (Index("ix_task_light_delta_group", "group_name"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    group_name: Mapped[str] = mapped_column(String(255))
    created_day: Mapped[date] = mapped_column(Date)  # the task's creation day, China Standard Time
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())  # NO_DEADLINE when the task has none
    n: Mapped[int] = mapped_column(Integer)


class TaskLightCount(Base):
    """Compacted open-task counts per (group, creation day, deadline); written only by compaction."""

    __tablename__ = "task_light_count"

    group_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_day: Mapped[date] = mapped_column(Date, primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class InstanceCopy(Base):
    """A case copied to someone for information (抄送): they may read it, not work it."""

    __tablename__ = "instance_copy"
    __table_args__ = (Index("ix_instance_copy_user", "to_user"), Index("ix_instance_copy_group", "to_group"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    to_user: Mapped[str | None] = mapped_column(String(255))
    to_group: Mapped[str | None] = mapped_column(String(255))
    by: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class TimerIndex(Base):
    """A waiting timer event: when it is due, so a poller can find it without loading instances."""

    __tablename__ = "timer_index"
    __table_args__ = (Index("ix_timer_index_due", "due_at"),)

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    element_id: Mapped[str] = mapped_column(String(255))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MessageSubscription(Base):
    """A waiting message catch event, with the correlation values its instance holds."""

    __tablename__ = "message_subscription"
    __table_args__ = (Index("ix_message_subscription_name", "message_name"),)

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # An event-based gateway waits for several messages with one task.
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    message_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    correlations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    business_key: Mapped[str | None] = mapped_column(String(255))


class SignalSubscription(Base):
    """A waiting signal catch event: signals from outside reach these instances."""

    __tablename__ = "signal_subscription"
    __table_args__ = (Index("ix_signal_subscription_name", "signal_name"),)

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    signal_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))


class Incident(Base):
    """A background step that failed: visible, retryable with backoff."""

    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_open", "status", "next_retry_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(40))  # service-task | script-task | timer | expression
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | resolved
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    next_retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class HistoryEvent(Base):
    """What happened to an instance, in order: the case history users and auditors read."""

    __tablename__ = "history_event"
    __table_args__ = (Index("ix_history_event_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Job(Base):
    """Durable outbox of background work; rq (or the in-process runner) executes it.

    A row is written in the same transaction as the change that needs it, so work is
    never lost when Redis or a worker is down; the reconciler re-enqueues rows whose
    lease expired.
    """

    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_due", "status", "run_at"),
        UniqueConstraint("dedup_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending -> enqueued -> done | failed
    status: Mapped[str] = mapped_column(String(20), default="pending")
    dedup_key: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
