"""``python -m bench.corpus_report``: what every file of ``../shared/corpus`` comes to, and the pages about it.

Runs each BPMN file through ``tests/support/corpus_kit.py`` (lint, deploy, start and drive
on a fresh SQLite database) and the JSON-Schema-Test-Suite through
``tests/support/schema_suite_kit.py`` (the form validator), and writes:

* ``tests/data/engine/corpus_outcomes.json``: the label of every BPMN file, which the corpus
  test (``tests/integration/engine/test_corpus.py``) expects;
* ``tests/data/forms/json_schema_suite.json``: the suite's result, which
  ``tests/unit/forms/test_json_schema_suite.py`` expects;
* the generated parts of ``docs/interoperability.md`` (between their markers): counts per
  corpus, refusals by code, one row per BPMN file with its first reason; the suite's pass
  rate, refusals by reason and every failing test.

``--check`` writes nothing and exits 1 when any of them would change.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from support.corpus_kit import CORPORA, OUTCOMES, Outcome, corpus_files, outcome, relative  # noqa: E402
from support.schema_suite_kit import PARTS, RECORDED, run_suite  # noqa: E402

DOC = REPO / "docs" / "interoperability.md"
BEGIN, END = "<!-- corpus:begin (python -m bench.corpus_report) -->", "<!-- corpus:end -->"
SUITE_BEGIN, SUITE_END = "<!-- schema-suite:begin (python -m bench.corpus_report) -->", "<!-- schema-suite:end -->"


def run_all() -> tuple[dict[str, Outcome], float]:
    """Every corpus file's outcome, each on its own empty database; and the seconds it took."""
    from engine.config import EngineConfig
    from engine.db import Base, make_db_engine
    from engine.environment import EngineEnv

    results, started = {}, time.perf_counter()
    for path in corpus_files():
        with tempfile.TemporaryDirectory() as folder:
            db_engine = make_db_engine(f"sqlite:///{folder}/corpus.sqlite3")
            Base.metadata.create_all(db_engine)
            env = EngineEnv(EngineConfig(), db_engine=db_engine)
            try:
                results[relative(path)] = outcome(env, path)
            finally:
                env.close()
    return results, time.perf_counter() - started


def _cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _reason(result: Outcome) -> str:
    if not result.issues:
        return ""
    first = result.issues[0]
    where = f"`{first.element_id}`" if first.element_id else "document"
    line = f" line {first.line}" if first.line else ""
    more = f" (+{len(result.issues) - 1})" if len(result.issues) > 1 else ""
    return _cell(f"{first.code}: {where}{line}: {first.message}{more}")


def _verdict(result: Outcome) -> str:
    if result.issues:
        return "refused"
    return ", ".join(sorted(set(result.processes.values())))


def section(results: dict[str, Outcome]) -> str:
    """The generated Markdown: per corpus, a summary, refusals by code and a row per file."""
    lines = [BEGIN, ""]
    for corpus in CORPORA:
        mine = {name: r for name, r in results.items() if name.startswith(corpus + "/")}
        verdicts = Counter(_verdict(r) for r in mine.values())
        codes = Counter(i.code for r in mine.values() for i in r.issues if i.severity == "error")
        lines += [f"### {corpus} ({len(mine)} files)", "",
                  "| outcome | files |", "|---|---|"]
        lines += [f"| {v} | {n} |" for v, n in sorted(verdicts.items(), key=lambda x: (-x[1], x[0]))]
        lines += ["", "| refused with code | errors |", "|---|---|"]
        lines += [f"| {c} | {n} |" for c, n in sorted(codes.items(), key=lambda x: (-x[1], x[0]))]
        lines += ["", "<details><summary>every file</summary>", "",
                  "| file | outcome | first reason |", "|---|---|---|"]
        for name, result in sorted(mine.items()):
            label = "refused" if result.issues else _cell(result.label)
            lines.append(f"| {name[len(corpus) + 1:]} | {label} | {_reason(result)} |")
        lines += ["", "</details>", ""]
    lines.append(END)
    return "\n".join(lines)


def suite_section(recorded: dict) -> str:
    """The JSON-Schema-Test-Suite's pass rate per part, its refusals by reason and every failing test."""
    lines = [SUITE_BEGIN, "", "| part | tests | of accepted schemas: passed | failed | pass rate | refused schemas' tests |",
             "|---|---|---|---|---|---|"]
    for part in PARTS:
        result = recorded[part]
        passed, failed = result["passed"], len(result["failed"])
        refused = sum(result["refused"].values())
        rate = f"{100 * passed / (passed + failed):.1f} %" if passed + failed else "-"
        lines.append(f"| {part} | {passed + failed + refused} | {passed} | {failed} | {rate} | {refused} |")
    for part in PARTS:
        result = recorded[part]
        lines += ["", f"#### {part}: refused, by reason", "", "| reason | tests |", "|---|---|"]
        lines += [f"| {_cell(r)} | {n} |" for r, n in sorted(result["refused"].items(), key=lambda x: (-x[1], x[0]))]
        lines += ["", f"<details><summary>{part}: the {len(result['failed'])} failing tests</summary>", ""]
        lines += [f"* {_cell(f)}" for f in result["failed"]]
        lines += ["", "</details>"]
    lines += ["", SUITE_END]
    return "\n".join(lines)


def render_doc(current: str, generated: str, begin: str = BEGIN, end_marker: str = END) -> str:
    start, end = current.index(begin), current.index(end_marker) + len(end_marker)
    return current[:start] + generated + current[end:]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus_report", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the outcomes or the page would change")
    args = parser.parse_args(argv)
    results, seconds = run_all()
    labels = json.dumps({name: r.label for name, r in sorted(results.items())}, ensure_ascii=False, indent=1) + "\n"
    suite = run_suite().to_dict()
    suite_json = json.dumps(suite, ensure_ascii=False, indent=1) + "\n"
    doc = render_doc(DOC.read_text(encoding="utf-8"), section(results))
    doc = render_doc(doc, suite_section(suite), SUITE_BEGIN, SUITE_END)
    print(f"{len(results)} files in {seconds:.1f} s", file=sys.stderr)
    outputs = ((OUTCOMES, labels), (RECORDED, suite_json), (DOC, doc))
    if args.check:
        stale = [p for p, text in outputs if not p.exists() or p.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"{path.relative_to(REPO)} is stale", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs:
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
