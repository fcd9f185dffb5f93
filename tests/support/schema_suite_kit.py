"""The official JSON-Schema-Test-Suite, draft 2020-12 (core, optional, format), through the form validator.

Each schema of the suite is checked as the schema of one form field is when a form is
published (:func:`forms.schema_check.schema_problems` with ``whole_form=False``: a field
need not be an object). A schema refused there is listed with its reason; the tests of an
accepted schema run through the validator every form uses (:func:`forms.keywords.make_validator`:
RE2 patterns, every format checked, errors located per field). Forms close their objects
(undeclared fields are refused, see :mod:`forms.closed`); that is a policy of forms, not
of JSON Schema, so the suite runs on the schemas as written.

``python -m bench.schema_suite_report`` writes the result to
``tests/data/forms/json_schema_suite.json`` and the tables of ``docs/interoperability.md``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from forms.keywords import make_validator
from forms.schema_check import schema_problems

from .paths import DATA, SHARED

SUITE = SHARED / "corpus" / "json-schema-test-suite" / "tests" / "draft2020-12"
RECORDED = DATA / "forms" / "json_schema_suite.json"
PARTS = {"core": SUITE, "optional": SUITE / "optional", "format": SUITE / "optional" / "format"}
_SPECIFIC = re.compile(r"'[^']*'|\"[^\"]*\"|\b\d+\b")


@dataclass
class SuiteResult:
    """Per part: tests passed and failed on accepted schemas, tests of refused schemas by reason."""

    passed: Counter = field(default_factory=Counter)
    failed: dict[str, list[str]] = field(default_factory=dict)
    refused: dict[str, Counter] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {part: {"passed": self.passed[part], "failed": sorted(self.failed.get(part, [])),
                       "refused": dict(sorted(self.refused.get(part, Counter()).items()))} for part in PARTS}


def suite_files(part: str) -> list[Path]:
    return sorted(PARTS[part].glob("*.json"))


def reason(message: str) -> str:
    """A refusal's reason without its particulars (references, numbers), so that like reasons count together.

    Unknown keywords and formats keep their names: those are the reason.
    """
    if message.startswith(("unknown keyword", "unknown format")):
        return message
    return _SPECIFIC.sub("…", message)


def run_suite() -> SuiteResult:
    result = SuiteResult()
    for part in PARTS:
        result.failed[part], result.refused[part] = [], Counter()
        for path in suite_files(part):
            for group in json.loads(path.read_text(encoding="utf-8")):
                _run_group(result, part, path.stem, group)
    return result


def _run_group(result: SuiteResult, part: str, name: str, group: dict) -> None:
    problems = schema_problems(group["schema"], whole_form=False)
    if problems:
        result.refused[part][reason(problems[0].message)] += len(group["tests"])
        return
    validator = make_validator(group["schema"])
    for test in group["tests"]:
        if validator.is_valid(test["data"]) == test["valid"]:
            result.passed[part] += 1
        else:
            result.failed[part].append(f"{name}: {group['description']}: {test['description']}")
