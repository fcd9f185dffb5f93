"""The OMG MIWG reference models go through parse, normalise and lint without crashing.

They are descriptive models drawn by many tools, so most cannot run; the point is
that every refusal is explained. ``python -m bench.miwg_report`` writes the
per-file verdict to docs/miwg-corpus.md.
"""

from pathlib import Path

import pytest

from engine.camunda import normalize
from engine.lint import lint_tree
from engine.spiff_validation import spiff_validation_issues
from engine.xml_safety import parse_xml

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "miwg"
if not CORPUS.is_dir():
    pytest.skip(f"MIWG corpus not found at {CORPUS}", allow_module_level=True)

FILES = sorted(CORPUS.glob("*.bpmn"))


def check(path: Path):
    root = parse_xml(path.read_bytes(), path.name)
    own = normalize(root, path.name) + lint_tree(root, path.name)
    return own, spiff_validation_issues(root, path.name)


def test_the_corpus_is_there():
    assert len(FILES) == 21


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_model_is_either_deployable_or_refused_with_a_located_reason(path):
    own, spiff = check(path)
    errors = [i for i in own + spiff if i.severity == "error"]
    if not errors:
        return
    assert any(i.element_id for i in errors), errors
    assert all(i.message.strip() and i.file == path.name for i in errors)
    for issue in own:
        assert issue.element_id and isinstance(issue.line, int), issue
    for issue in spiff:
        assert issue.line is None or isinstance(issue.line, int)
        assert issue.element_id or issue.message.strip()
