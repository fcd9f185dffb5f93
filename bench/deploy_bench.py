"""Issue 7 goal 6 (second half): linting and deploying a 200-element BPMN against plain parsing.

The file is a 198-step sequence (:func:`bench.bpmn_shapes.sequence`): 200 flow nodes and
199 sequence flows, each step with a candidate group and a time limit. Medians of:

* plain SpiffWorkflow: ``SpiffBpmnParser().add_bpmn_str`` + ``get_spec`` (the reference),
  and the same with SpiffWorkflow's own XSD validation;
* yiwang's lint (:func:`engine.deploy.check_bundle`: hardened XML parse, Camunda
  normalisation, the project's lint rules, SpiffWorkflow parse and validation),
  storing nothing;
* yiwang's deploy (:func:`engine.deploy.deploy`): all of the above plus a new stored
  version (spec serialised once), committed. Each run deploys a new version (the
  process name changes), since an unchanged file is recognised and not stored again.
"""

from __future__ import annotations

import statistics
import time

from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from engine import deploy

from . import bpmn_shapes
from .engine_bench import make_env

STEPS = 198  # + start and end = 200 flow nodes


def _medians_ms(calls: dict, runs: int) -> dict[str, float]:
    """Median of each call, the calls taken in turn so all see the same machine load."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():
        call(-1)  # warm up
    for n in range(runs):
        for name, call in calls.items():
            started = time.perf_counter()
            call(n)
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(t) * 1000 for name, t in times.items()}


def run(*, quick: bool) -> dict:
    runs = 9 if quick else 31
    pid, xml = bpmn_shapes.sequence(STEPS)

    def spiff_parse(_n=0, validator=None) -> None:
        parser = SpiffBpmnParser(validator=validator)
        parser.add_bpmn_str(xml)
        parser.get_spec(pid)
        parser.get_subprocess_specs(pid)

    env, _ = make_env(None)
    try:
        def lint(_n=0) -> None:
            with env.unit_of_work() as uow:
                _, issues = deploy.check_bundle(uow, {f"{pid}.bpmn": xml})
            assert not [i for i in issues if i.severity == "error"], issues

        def deploy_version(n=-1) -> None:
            _, version = bpmn_shapes.sequence(STEPS, name=f"sequence v{n + 2}")  # n = -1 first
            result = deploy.deploy(env.unit_of_work(), {f"{pid}.bpmn": version})
            assert result.processes[0].created

        medians = _medians_ms({"spiff_ms": spiff_parse, "spiff_xsd_ms": lambda n: spiff_parse(n, VALIDATOR),
                               "lint_ms": lint, "deploy_ms": deploy_version}, runs)
        return {"elements": STEPS + 2, **medians}
    finally:
        env.close()


def report(result: dict) -> str:
    base = result["spiff_ms"]
    rows = [("plain SpiffWorkflow parse (reference)", "spiff_ms"),
            ("plain SpiffWorkflow parse with its XSD validation", "spiff_xsd_ms"),
            ("yiwang lint (check_bundle, nothing stored)", "lint_ms"),
            ("yiwang deploy (lint + store a new version, SQLite)", "deploy_ms")]
    lines = [f"## linting and deploying a {result['elements']}-element BPMN", "",
             "| | median | ratio to plain parse |", "|---|---|---|"]
    lines += [f"| {label} | {result[key]:.1f} ms | {result[key] / base:.2f}x |" for label, key in rows]
    return "\n".join(lines)


def verdicts(result: dict) -> list[tuple[str, float, str, bool | None]]:
    base = result["spiff_ms"]
    return [("6. lint a 200-element BPMN / plain SpiffWorkflow parse", result["lint_ms"] / base, "report", None),
            ("6. deploy a 200-element BPMN / plain SpiffWorkflow parse", result["deploy_ms"] / base, "report", None)]
