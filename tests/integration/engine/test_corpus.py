"""Every file of the public corpora deploys and runs, or is refused clearly (issue 21).

280 files written by other projects (OMG MIWG reference models, SpiffWorkflow's test models,
bpmn-js fixtures), each linted, deployed and, where it may, started and driven to its end on
an empty database with a controllable clock (see ``support/corpus_kit.py``). Each must come
to the outcome recorded in ``tests/data/engine/corpus_outcomes.json``; none may raise
anything but the engine's own refusals (a traceback, a 500), hang, leave a case stuck with
nothing to do and nothing to wait for, or deploy a process that then cannot start.
"""

from __future__ import annotations

import json

import pytest

from support.corpus_kit import OUTCOMES, corpus_files, outcome, relative

FILES = corpus_files()
EXPECTED = json.loads(OUTCOMES.read_text(encoding="utf-8"))
DEFECTS = ("start-failed", "step-failed", "stuck", "still-running")

pytestmark = pytest.mark.skipif(not FILES, reason="../shared/corpus is not present")


def test_the_recorded_outcomes_cover_exactly_the_files_of_the_corpus():
    assert sorted(EXPECTED) == [relative(p) for p in FILES]
    assert len(FILES) == 280


@pytest.mark.timeout(60)
@pytest.mark.parametrize("path", FILES, ids=relative)
def test_a_corpus_file_runs_or_is_refused_with_located_reasons(env, path):
    result = outcome(env, path)

    for issue in result.issues:
        assert issue.message and issue.file == path.name, issue
        assert issue.line or issue.element_id, f"refusal without a location: {issue}"
        assert issue.code != "spiff-rejected", f"SpiffWorkflow crashed on the file: {issue}"
        assert issue.to_dict().get("reason"), f"no Chinese reason for {issue.code}"
    assert not [s for s in result.processes.values() if s.startswith(DEFECTS)], result.processes
    assert result.label == EXPECTED[relative(path)]
