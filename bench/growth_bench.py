"""Issue 7 goal 2: the step cost as processes grow, persisted against in-memory, in one run.

Three shapes (:mod:`bench.bpmn_shapes`): a 10-step sequence (the reference), a 200-step
sequence and a parallel countersign over 500 departments. For each, the median cost of
one user-task completion in plain in-memory SpiffWorkflow and through the engine's own
API (load, check, complete, engine steps, save, task index, history, commit). The goal:
the persisted step within 2x of the in-memory step of the same process; the in-memory
step is also reported against the 10-step case. A cProfile of countersign steps shows
where the time goes.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import statistics
import time

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine import deploy, queries, runtime

from . import bpmn_shapes
from .engine_bench import SYSTEM, make_env

DEPARTMENTS = [f"dept_{i:03d}" for i in range(500)]
PROFILED = 4  # countersign steps under cProfile
# Issue 7's figures measured before any code existed (in memory, per step).
REFERENCE_MS = {"sequence_10": 0.26, "sequence_200": 1.5, "countersign": 3.0}


def shapes() -> list[tuple[str, str, bytes, dict, dict]]:
    """(label, process id, XML, start data, step data) per shape."""
    seq10, seq200, mi = bpmn_shapes.sequence(10), bpmn_shapes.sequence(200), bpmn_shapes.countersign()
    return [
        ("10-step sequence", *seq10, {}, {}),
        ("200-step sequence", *seq200, {}, {}),
        ("500-department countersign", *mi, {"departments": DEPARTMENTS}, {"opinion": {"approved": True}}),
    ]


def spiff_workflow(xml: bytes, process_id: str, data: dict) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(xml)
    wf = BpmnWorkflow(parser.get_spec(process_id), parser.get_subprocess_specs(process_id))
    for task in wf.get_tasks(state=TaskState.READY):
        task.data.update(data)
    wf.do_engine_steps()
    return wf


def spiff_steps(make, data: dict, samples: int) -> list[float]:
    """Median-ready step times; a finished case is replaced by a fresh one (``make()``)."""
    wf, times = make(), []
    while len(times) < samples:
        started = time.perf_counter()
        task = wf.get_next_task(state=TaskState.READY, manual=True)
        if task is None:
            wf = make()
            continue
        task.data.update(data)
        task.run()
        wf.do_engine_steps()
        times.append(time.perf_counter() - started)
    return times


def engine_steps(env, process_id: str, start: dict, data: dict, samples: int) -> list[float]:
    def new_case() -> str:
        return runtime.start_instance(env.unit_of_work(), process_id=process_id, data=start, actor=SYSTEM)

    instance_id, times = new_case(), []
    while len(times) < samples:
        with env.unit_of_work() as uow:
            tasks = queries.list_tasks(uow, queries.TaskFilter(instance_id=instance_id, limit=1))
        if not tasks:
            instance_id = new_case()
            continue
        started = time.perf_counter()
        runtime.complete_task(env.unit_of_work(), tasks[0]["id"], data, actor=SYSTEM)
        times.append(time.perf_counter() - started)
    return times


def _profile(call, top: int = 16) -> str:
    profile = cProfile.Profile()
    profile.enable()
    call()
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(top)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return "\n".join(_shorten(line) for line in lines[start - 1:])


def _shorten(line: str) -> str:
    return re.sub(r"\S*(site-packages|/work/main|/lib/python3\.\d+)/", "", line)


def run(database_url: str | None, *, quick: bool) -> dict:
    samples = 20 if quick else 60
    env, _ = make_env(database_url)
    result = {"rows": [], "profiles": {}}
    try:
        for label, pid, xml, start, data in shapes():
            deploy.deploy(env.unit_of_work(), {f"{pid}.bpmn": xml})
            engine_steps(env, pid, start, data, 2)  # warm the spec cache
            n = samples if pid != "countersign" else samples // 3  # ~0.3-1 s a persisted step today
            spiff = spiff_steps(lambda xml=xml, pid=pid, start=start: spiff_workflow(xml, pid, start), data, samples)
            persisted = engine_steps(env, pid, start, data, n)
            result["rows"].append({"label": label, "pid": pid, "spiff_ms": statistics.median(spiff) * 1000,
                                   "engine_ms": statistics.median(persisted) * 1000})
        pid, xml, start, data = "countersign", shapes()[2][2], {"departments": DEPARTMENTS}, \
            {"opinion": {"approved": True}}
        wf = spiff_workflow(xml, pid, start)
        result["profiles"]["in-memory"] = _profile(lambda: spiff_steps(lambda: wf, data, PROFILED))
        instance_id = runtime.start_instance(env.unit_of_work(), process_id=pid, data=start, actor=SYSTEM)
        with env.unit_of_work() as uow:
            tasks = queries.list_tasks(uow, queries.TaskFilter(instance_id=instance_id, limit=PROFILED))
        ids = [t["id"] for t in tasks]
        result["profiles"]["persisted"] = _profile(
            lambda: [runtime.complete_task(env.unit_of_work(), t, data, actor=SYSTEM) for t in ids])
    finally:
        env.close()
    return result


def report(label: str, result: dict) -> str:
    rows = result["rows"]
    base = rows[0]["spiff_ms"]
    lines = [f"## step cost as processes grow ({label})", "",
             "| process | in-memory step (issue's figure) | in memory / 10-step | persisted step "
             "| persisted / in-memory (goal <= 2x) |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['label']} | {r['spiff_ms']:.2f} ms ({REFERENCE_MS[r['pid']]:.2f} ms) "
                     f"| {r['spiff_ms'] / base:.1f}x | {r['engine_ms']:.2f} ms "
                     f"| **{r['engine_ms'] / r['spiff_ms']:.2f}x** |")
    for name, text in result["profiles"].items():
        lines += ["", f"Profile of {PROFILED} countersign steps, {name} (top functions by cumulative time):", "",
                  "```", text, "```"]
    return "\n".join(lines)


def verdicts(label: str, result: dict) -> list[tuple[str, float, str, bool]]:
    out = []
    for r in result["rows"][1:]:
        ratio = r["engine_ms"] / r["spiff_ms"]
        out.append((f"2. {r['label']}, persisted / in-memory step ({label})", ratio, "<= 2x", ratio <= 2))
    return out
