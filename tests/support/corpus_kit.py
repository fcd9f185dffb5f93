"""What happens to each file of the public corpora (``../shared/corpus``) when a user uploads it.

:func:`outcome` lints and deploys one file on an empty database (lint and deploy must
agree), then starts every process it deployed, unless it has service or script tasks,
and drives each case as far as it goes: every ready human task is completed with no data,
and waiting timers fire at a fixed instant (the controllable clock). Each file gets a label:

* ``refused: <codes>`` - the error codes of the refusal;
* ``<process>=completed`` - the case ran to its end;
* ``<process>=waits`` - it waits for a message or signal from outside (perhaps working in a
  loop until it comes);
* ``<process>=needs-data`` - a condition, data object or collection wants data the empty
  start did not give, and the engine says which (a clear refusal of the step);
* ``<process>=deployed`` - it calls services or runs scripts, so it is not started here.

Anything else is a defect the corpus test reports: ``start-failed`` / ``step-failed`` (a
deployed process that cannot start or go on for another reason), ``stuck`` (running with
nothing to do and nothing to wait for: a silent hang), ``still-running`` (no end in sight),
and any exception that is not an engine error (a traceback, a 500 over HTTP).

``python -m bench.corpus_report`` writes the labels to ``tests/data/engine/corpus_outcomes.json``
and the tables of ``docs/interoperability.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree
from sqlalchemy import func, select
from SpiffWorkflow.bpmn.exceptions import WorkflowDataException

from engine import deploy, events, instance_store, queries, runtime
from engine.actors import Actor
from engine.errors import DeployRejected, EngineError, ExpressionFailed, LintIssue
from engine.expressions import engine_error_behind
from engine.models import MessageSubscription, SignalSubscription, TimerIndex

from .paths import DATA, SHARED

CORPUS = SHARED / "corpus"
CORPORA = ("miwg", "spiffworkflow-tests", "bpmn-js-fixtures")
OUTCOMES = DATA / "engine" / "corpus_outcomes.json"
# The instant every waiting timer is fired at: the corpus runs the same on any day.
CLOCK = datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc)
MAX_STEPS = 60
ACTOR = Actor.system("corpus")
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_CODE_RUNNING = ("serviceTask", "scriptTask", "sendTask")


@dataclass
class Outcome:
    """What one file came to: refused (with its issues) or deployed (with each process's end state)."""

    issues: list[LintIssue] = field(default_factory=list)
    processes: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.issues:
            return "refused: " + " ".join(sorted({i.code for i in self.issues}))
        return " ".join(f"{pid}={state}" for pid, state in sorted(self.processes.items()))


def corpus_files() -> list[Path]:
    """Every BPMN (or BPMN-named XML) file of the three corpora, in a stable order."""
    files = [p for name in CORPORA for p in (CORPUS / name).rglob("*") if p.suffix in (".bpmn", ".xml")]
    return sorted(files, key=relative)


def relative(path: Path) -> str:
    return path.relative_to(CORPUS).as_posix()


def outcome(env, path: Path) -> Outcome:
    """Lint, deploy and (where it may) run one corpus file on ``env``'s empty database."""
    files = {path.name: path.read_bytes()}
    with env.unit_of_work() as uow:
        _, linted = deploy.check_bundle(uow, files)
    errors = [i for i in linted if i.severity == "error"]
    try:
        result = deploy.deploy(env.unit_of_work(), files, deployed_by="corpus")
    except DeployRejected as refused:
        assert refused.issues == errors, "lint and deploy disagree"
        return Outcome(issues=refused.issues)
    assert not errors, "deployed although lint reports errors"
    if _runs_code(files[path.name]):
        return Outcome(processes={p.process_id: "deployed" for p in result.processes})
    return Outcome(processes={p.process_id: drive(env, p.process_id) for p in result.processes})


def _runs_code(content: bytes) -> bool:
    root = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))
    return any(True for _ in root.iter(*(f"{{{BPMN}}}{name}" for name in _CODE_RUNNING)))


def drive(env, process_id: str) -> str:
    """Start a case with no data and take it as far as it goes; its end state."""
    try:
        case = runtime.start_instance(env.unit_of_work(), process_id=process_id, data={}, actor=ACTOR)
    except EngineError as error:
        return "needs-data" if _needs_data(error) else f"start-failed: {error}"
    for _ in range(MAX_STEPS):
        with env.unit_of_work() as uow:
            status = instance_store.load(uow, case).row.status
            tasks = queries.list_tasks(uow, queries.TaskFilter(instance_id=case, limit=10))
            timers = uow.session.scalar(select(func.count()).where(TimerIndex.instance_id == case))
        if status != "running":
            return status
        try:
            if tasks:
                runtime.complete_task(env.unit_of_work(), tasks[0]["id"], {}, actor=ACTOR)
            elif timers:
                events.expedite_timers(env.unit_of_work(), case, actor=ACTOR, now=CLOCK)
            else:
                return "waits" if _waits_for_event(env, case) else "stuck"
        except EngineError as error:
            return "needs-data" if _needs_data(error) else f"step-failed: {error}"
    # A case may work in a loop until a message interrupts it (SpiffWorkflow's MessageBoundary.bpmn).
    return "waits" if _waits_for_event(env, case) else "still-running"


def _waits_for_event(env, case: str) -> bool:
    with env.unit_of_work() as uow:
        return any(uow.session.scalar(select(func.count()).where(model.instance_id == case))
                   for model in (MessageSubscription, SignalSubscription))


def _needs_data(error: EngineError) -> bool:
    """Whether a refused step names data the case lacks (a variable, a data object, a collection)."""
    cause = error if isinstance(error, ExpressionFailed) else engine_error_behind(error.__cause__) \
        if error.__cause__ is not None else None
    if isinstance(cause, ExpressionFailed) and cause.context.get("variable"):
        return True
    return isinstance(error.__cause__, WorkflowDataException)

