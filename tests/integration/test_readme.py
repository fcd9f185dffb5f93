"""The README's command-line walk-through runs exactly as printed, in order, on a fresh database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

import pytest

from engine.calendar import CST

from support.paths import EXAMPLES, REPO

SECTIONS = ("## Working with processes from the command line",)


def readme_blocks(title: str) -> list[str]:
    """The indented code blocks of one README section, as shell text."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index(title):]
    section = section[:section.index("\n## ", len(title))]
    blocks, current = [], []
    for line in section.splitlines():
        if line.startswith("    "):
            current.append(line[4:])
        elif current and line.strip():
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


@pytest.mark.slow
def test_every_command_block_of_the_readme_runs_as_printed_on_a_fresh_database(tmp_path, db_engine):
    if db_engine.dialect.name != "sqlite":
        pytest.skip("the walk-through is the embedded default's (a newcomer's SQLite file)")
    blocks = [block for title in SECTIONS for block in readme_blocks(title)]
    assert len(blocks) == 3 and blocks[0].startswith("yiwang deploy examples/one_window_approval")
    (tmp_path / "examples").symlink_to(EXAMPLES)  # the README's paths are the checkout's
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}"}
    env.pop("YIWANG_DATABASE_URL", None)  # the default: ./yiwang.sqlite3 in the folder the commands run in
    script = "set -euo pipefail\n" + "\n".join(blocks)
    result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "one_window_approval v1 (definition 1): deployed" in out
    assert "accept  窗口受理  window" in out  # the window's queue before the step
    assert out.count("review [") == 2  # after acceptance: market and fire review in parallel
    assert '"status": "running"' in out
    assert "340500-XZQR-BDC-012 v1: published" in out and "存量房买卖转移登记  confirmation" in out
    assert (tmp_path / "guide.html").read_text(encoding="utf-8").count("存量房买卖转移登记") >= 1
    assert (tmp_path / "bdc.zip").stat().st_size > 0 and (tmp_path / "yiwang.sqlite3").is_file()
    this_year = datetime.now(CST).year
    assert f"\n{this_year}  " in out  # calendar status: where this year's working days come from
