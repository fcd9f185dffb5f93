"""The official JSON-Schema-Test-Suite, draft 2020-12 (core, optional, format), through the form validator.

The result (passed and failing tests of the schemas forms accept, and the tests of refused
schemas counted by reason) is recorded in ``tests/data/forms/json_schema_suite.json`` and
shown in ``docs/interoperability.md``; any change, better or worse, must be recorded there
by ``python -m bench.corpus_report``.
"""

from __future__ import annotations

import json

import pytest

from support.schema_suite_kit import PARTS, RECORDED, SUITE, run_suite

pytestmark = pytest.mark.skipif(not SUITE.is_dir(), reason="../shared/corpus/json-schema-test-suite is not present")


@pytest.fixture(scope="module")
def result() -> dict:
    return run_suite().to_dict()


def test_the_suite_gives_the_recorded_result(result):
    assert result == json.loads(RECORDED.read_text(encoding="utf-8"))


@pytest.mark.parametrize("part", PARTS)
def test_most_tests_of_the_schemas_forms_accept_pass(result, part):
    passed, failed = result[part]["passed"], len(result[part]["failed"])
    assert passed / (passed + failed) >= 0.85


def test_the_core_suite_fails_only_where_forms_check_formats_on_purpose_or_a_vocabulary_is_custom(result):
    causes = {f.split(": ")[0] for f in result["core"]["failed"]}
    assert causes <= {"format", "vocabulary"}


def test_every_standard_format_is_checked_not_refused(result):
    assert list(result["format"]["refused"]) == ["unknown format 'unknown'"]
