"""``python -m bench.corpus_report``: what every file of ``../shared/corpus`` comes to, and the pages about it.

Runs each file through ``tests/support/corpus_kit.py`` (lint, deploy, start and drive on
a fresh SQLite database) and writes:

* ``tests/data/engine/corpus_outcomes.json``: the label of every file, which the corpus
  test (``tests/integration/engine/test_corpus.py``) expects;
* the generated part of ``docs/interoperability.md`` (between its ``corpus`` markers):
  counts per corpus, refusals by code, and one row per file with its first reason.

``--check`` writes nothing and exits 1 when either file would change.
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

DOC = REPO / "docs" / "interoperability.md"
BEGIN, END = "<!-- corpus:begin (python -m bench.corpus_report) -->", "<!-- corpus:end -->"


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


def render_doc(current: str, generated: str) -> str:
    start, end = current.index(BEGIN), current.index(END) + len(END)
    return current[:start] + generated + current[end:]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus_report", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the outcomes or the page would change")
    args = parser.parse_args(argv)
    results, seconds = run_all()
    labels = json.dumps({name: r.label for name, r in sorted(results.items())}, ensure_ascii=False, indent=1) + "\n"
    doc = render_doc(DOC.read_text(encoding="utf-8"), section(results))
    print(f"{len(results)} files in {seconds:.1f} s", file=sys.stderr)
    if args.check:
        stale = [p for p, text in ((OUTCOMES, labels), (DOC, doc)) if p.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"{path.relative_to(REPO)} is stale", file=sys.stderr)
        return 1 if stale else 0
    OUTCOMES.write_text(labels, encoding="utf-8")
    DOC.write_text(doc, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
