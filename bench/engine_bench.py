"""Per-step cost of persisted steps against plain in-memory SpiffWorkflow, in one run.

Two measurements, each reported as medians and as ratios to the reference taken in
the same process (machines here are shared and noisy, so absolute times drift):

* history growth: a case that loops back to the same desk; the cost of one step
  with ~5 completed tasks in its history and with ~500;
* the one-window approval example (5 user steps incl. a 3-department countersign):
  whole cases per second.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine import deploy, queries, runtime
from engine.actors import Actor
from engine.config import EngineConfig
from engine.environment import EngineEnv
from engine.instance_store import load
from engine.sealing import DataProtector, Keyring
from forms.binding import PersonalDataRules

REPO = Path(__file__).resolve().parent.parent
LOOP_BPMN = REPO / "bench" / "data" / "loop_approval.bpmn"
ONE_WINDOW_BPMN = REPO / "examples" / "one_window_approval" / "one_window_approval.bpmn"
SYSTEM = Actor.system("bench")


# -- plain SpiffWorkflow ----------------------------------------------------
def spiff_workflow(path: Path, process_id: str) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(path))
    return BpmnWorkflow(parser.get_spec(process_id), parser.get_subprocess_specs(process_id))


def spiff_step(wf: BpmnWorkflow, data: dict) -> None:
    task = wf.get_next_task(state=TaskState.READY, manual=True)
    task.data.update(data)
    task.run()
    wf.do_engine_steps()


def completed_count(wf) -> int:
    return sum(1 for t in wf.get_tasks(state=TaskState.COMPLETED))


# -- the engine -------------------------------------------------------------
def make_env(database_url: str | None, *, sealed: bool = False) -> tuple[EngineEnv, str | None]:
    """An engine on a fresh database; ``sealed``: personal identifiers sealed at rest, as the service does."""
    tmp = None
    if database_url is None:
        tmp = tempfile.mkdtemp(prefix="yiwang-bench-")
        database_url = f"sqlite:///{tmp}/bench.sqlite3"
    else:
        database_url = _bench_schema(database_url)
    protector = DataProtector(Keyring.generate(), PersonalDataRules()) if sealed else None
    env = EngineEnv(EngineConfig(database_url=database_url, jobs="inline"), protector=protector)
    env.create_schema()
    return env, tmp


def _bench_schema(url: str) -> str:
    """A fresh schema of its own, so the benchmark never touches other tables."""
    from sqlalchemy import text

    from engine.db import make_db_engine

    admin = make_db_engine(url)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS yiwang_bench CASCADE"))
        conn.execute(text("CREATE SCHEMA yiwang_bench"))
    admin.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3Dyiwang_bench"


def engine_step(env: EngineEnv, task_id: str, data: dict) -> str:
    runtime.complete_task(env.unit_of_work(), task_id, data, actor=SYSTEM)
    return task_id


def ready_task_id(env: EngineEnv, instance_id: str) -> str:
    with env.unit_of_work() as uow:
        tasks = queries.list_tasks(uow, queries.TaskFilter(instance_id=instance_id, limit=1))
    return tasks[0]["id"]


def engine_completed_count(env, instance_id) -> int:
    with env.unit_of_work() as uow:
        wf = load(uow, instance_id).workflow
        count = completed_count(wf)
    env.instances.discard(instance_id)
    return count


def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


# -- history growth ----------------------------------------------------------
def history_growth(env: EngineEnv, rounds: int, samples: int) -> dict:
    """Median step cost with a short and with a long history, engine vs in-memory."""
    more = {"finished": False}

    def engine_sample(history_rounds: int) -> tuple[float, int]:
        instance_id = runtime.start_instance(env.unit_of_work(), process_id="loop_approval", actor=SYSTEM)
        for _ in range(history_rounds):
            engine_step(env, ready_task_id(env, instance_id), more)
        times = []
        for _ in range(samples):
            task_id = ready_task_id(env, instance_id)
            times.append(timed(engine_step, env, task_id, more))
        return statistics.median(times), engine_completed_count(env, instance_id)

    def spiff_sample(history_rounds: int) -> tuple[float, int]:
        wf = spiff_workflow(LOOP_BPMN, "loop_approval")
        wf.do_engine_steps()
        for _ in range(history_rounds):
            spiff_step(wf, more)
        times = [timed(spiff_step, wf, more) for _ in range(samples)]
        return statistics.median(times), completed_count(wf)

    short_rounds = 2
    result = {}
    for name, rounds_before in (("short", short_rounds), ("long", rounds)):
        spiff_t, spiff_n = spiff_sample(rounds_before)
        engine_t, engine_n = engine_sample(rounds_before)
        result[name] = {"engine_ms": engine_t * 1000, "spiff_ms": spiff_t * 1000,
                        "completed_before": rounds_before * 2 + 1, "completed_after": engine_n}
    return result


# -- whole cases ---------------------------------------------------------------
ONE_WINDOW_STEPS = [
    {"acceptance": "accept"},
    {"opinion": {"approved": True}},
    {"opinion": {"approved": True}},
    {"opinion": {"approved": True}},
    {"decision": "approve"},
    {"delivery": "window"},
]
ONE_WINDOW_START = {"applicant": "zhang3", "applicant_name": "张三", "id_number": "340503195608120025",
                    "mobile": "13800138000", "departments": ["market", "fire", "environment"]}


def one_window_rates(env: EngineEnv, cases: int) -> dict:
    """Whole cases per second, and the median of one user step (goal 1) on both sides.

    Both sides parse the BPMN once (the engine keeps its specs cached too). A user
    step is timed alone: SpiffWorkflow's ``run`` + ``do_engine_steps`` against the
    engine's ``complete_task`` (load, validate, complete, engine steps, save state,
    task index, history, commit); finding the task id is not part of it.
    """
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(ONE_WINDOW_BPMN))
    spec = parser.get_spec("one_window_approval")
    subprocess_specs = parser.get_subprocess_specs("one_window_approval")
    spiff_steps: list[float] = []
    engine_steps: list[float] = []

    def spiff_case() -> None:
        wf = BpmnWorkflow(spec, subprocess_specs)
        for t in wf.get_tasks(state=TaskState.READY):
            t.data.update(ONE_WINDOW_START)
        wf.do_engine_steps()
        for data in ONE_WINDOW_STEPS:
            spiff_steps.append(timed(spiff_step, wf, data))
        assert wf.completed

    def engine_case() -> None:
        instance_id = runtime.start_instance(env.unit_of_work(), process_id="one_window_approval",
                                             data=ONE_WINDOW_START, actor=SYSTEM)
        for data in ONE_WINDOW_STEPS:
            task_id = ready_task_id(env, instance_id)
            engine_steps.append(timed(engine_step, env, task_id, data))

    spiff_case()
    engine_case()  # warm caches on both sides
    spiff_steps.clear()
    engine_steps.clear()
    spiff_t = min(timed(lambda: [spiff_case() for _ in range(cases)]) for _ in range(3))
    engine_t = min(timed(lambda: [engine_case() for _ in range(cases)]) for _ in range(3))
    return {"spiff_cases_per_s": cases / spiff_t, "engine_cases_per_s": cases / engine_t,
            "engine_step_ms": statistics.median(engine_steps) * 1000,
            "spiff_step_ms": statistics.median(spiff_steps) * 1000}


def run(database_url: str | None, *, quick: bool) -> dict:
    env, _ = make_env(database_url)
    try:
        deploy.deploy(env.unit_of_work(), {LOOP_BPMN.name: LOOP_BPMN.read_bytes()})
        deploy.deploy(env.unit_of_work(), {ONE_WINDOW_BPMN.name: ONE_WINDOW_BPMN.read_bytes()})
        growth = history_growth(env, rounds=250, samples=20 if quick else 60)
        cases = one_window_rates(env, cases=10 if quick else 50)
    finally:
        env.close()
    # The sealing cost is measured once, on the embedded default (the PostgreSQL run skips it).
    return {"growth": growth, "cases": cases, "sealing": sealing_cost(quick=quick) if database_url is None else None}


def sealing_cost(*, quick: bool) -> dict:
    """The one-window user step with identifiers sealed at rest against the same step without, on SQLite,
    alternating rounds so both sides see the same machine load."""
    envs = {}
    for sealed in (False, True):
        envs[sealed], _ = make_env(None, sealed=sealed)
        deploy.deploy(envs[sealed].unit_of_work(), {ONE_WINDOW_BPMN.name: ONE_WINDOW_BPMN.read_bytes()})
    steps: dict[bool, list[float]] = {False: [], True: []}
    try:
        for _ in range(3 if quick else 10):
            for sealed, env in envs.items():
                steps[sealed].append(one_window_rates(env, cases=3)["engine_step_ms"])
    finally:
        for env in envs.values():
            env.close()
    return {"plain_step_ms": statistics.median(steps[False]), "sealed_step_ms": statistics.median(steps[True])}


def report(label: str, result: dict) -> str:
    g, c = result["growth"], result["cases"]
    short, long = g["short"], g["long"]
    lines = [
        f"## engine steps on {label}",
        "",
        "| measurement | yiwang (persisted) | SpiffWorkflow in memory | ratio |",
        "|---|---|---|---|",
        f"| step, {short['completed_before']} completed tasks in history | {short['engine_ms']:.2f} ms "
        f"| {short['spiff_ms']:.2f} ms | {short['engine_ms'] / short['spiff_ms']:.2f}x |",
        f"| step, {long['completed_before']} completed tasks in history | {long['engine_ms']:.2f} ms "
        f"| {long['spiff_ms']:.2f} ms | {long['engine_ms'] / long['spiff_ms']:.2f}x |",
        f"| growth: long / short history | {long['engine_ms'] / short['engine_ms']:.2f}x "
        f"| {long['spiff_ms'] / short['spiff_ms']:.2f}x | (goal for yiwang: <= 1.5x) |",
        f"| one-window case (6 steps incl. 3-dept countersign) | {c['engine_cases_per_s']:.0f} cases/s "
        f"| {c['spiff_cases_per_s']:.0f} cases/s | {c['spiff_cases_per_s'] / c['engine_cases_per_s']:.2f}x slower |",
        f"| one-window: per user step | {c['engine_step_ms']:.2f} ms | {c['spiff_step_ms']:.2f} ms "
        f"| {c['engine_step_ms'] / c['spiff_step_ms']:.2f}x |",
    ]
    sealing = result.get("sealing")
    if sealing:
        lines.append(f"| one-window: per user step, identifiers sealed / not (SQLite) "
                     f"| {sealing['sealed_step_ms']:.2f} ms | {sealing['plain_step_ms']:.2f} ms (not sealed) "
                     f"| {sealing['sealed_step_ms'] / sealing['plain_step_ms']:.2f}x |")
    return "\n".join(lines)


def verdicts(label: str, result: dict) -> list[tuple[str, float, str, bool]]:
    g, c = result["growth"], result["cases"]
    growth = g["long"]["engine_ms"] / g["short"]["engine_ms"]
    step = c["engine_step_ms"] / c["spiff_step_ms"]
    return [(f"1. one-window user step, persisted / in-memory ({label})", step, "<= 2x", step <= 2),
            (f"issue 2: step growth, 501 / 5 completed tasks ({label})", growth, "<= 1.5x", growth <= 1.5)]
