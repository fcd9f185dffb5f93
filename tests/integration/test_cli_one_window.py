"""The one-window example driven through the `yiwang` command line, one process per step.

Every command is a fresh process on the same database, so each step also proves the
case survives a restart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from support.paths import EXAMPLES, REPO

BPMN = EXAMPLES / "one_window_approval" / "one_window_approval.bpmn"


@pytest.fixture
def yiwang(tmp_path, db_engine):
    url = db_engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(REPO), "YIWANG_DATABASE_URL": url}

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "api", *args], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=60)
        if ok:
            assert result.returncode == 0, result.stderr
        return result

    return run


def tasks(yiwang, instance_id):
    return json.loads(yiwang("tasks", "--instance", instance_id, "--json").stdout)


def test_the_example_runs_start_to_finish_from_the_cli(yiwang):
    for form in sorted((BPMN.parent / "forms").glob("*.json")):
        assert yiwang("publish-form", form.stem, str(form)).stdout.startswith(f"{form.stem} v1")
    assert "deployed" in yiwang("deploy", str(BPMN)).stdout
    assert "unchanged" in yiwang("deploy", str(BPMN)).stdout
    start = {"applicant": "zhang3", "applicant_name": "张三", "id_number": "11010519491231002X",
             "mobile": "13800138000", "departments": ["market", "fire", "environment"]}
    case = yiwang("start", "one_window_approval", "--data", json.dumps(start), "--business-key", "ZW-9").stdout.strip()

    (accept,) = tasks(yiwang, case)
    yiwang("complete", accept["id"], "--data", '{"acceptance": "correct", "deficiencies": ["身份证复印件"]}',
           "--user", "clerk", "--group", "window")
    (correct,) = tasks(yiwang, case)
    assert correct["element_id"] == "correct" and correct["assignee"] == "zhang3"
    yiwang("complete", correct["id"], "--data", '{"supplement": "补正材料"}', "--user", "zhang3")
    (accept,) = tasks(yiwang, case)
    yiwang("complete", accept["id"], "--data", '{"acceptance": "accept"}')
    reviews = tasks(yiwang, case)
    assert sorted(t["loop_item"] for t in reviews) == ["environment", "fire", "market"]
    for review in reviews:
        yiwang("complete", review["id"], "--data", '{"opinion": {"approved": true}}',
               "--user", "r", "--group", review["loop_item"])
    (decide,) = tasks(yiwang, case)
    yiwang("complete", decide["id"], "--data", '{"decision": "approve"}')
    (issue,) = tasks(yiwang, case)
    assert "completed" in yiwang("complete", issue["id"], "--data", '{"delivery": "mail"}').stdout

    shown = json.loads(yiwang("show", case).stdout)
    assert shown["status"] == "completed"
    assert [h["action"] for h in shown["history"]].count("task.completed") == 8


def test_a_step_with_bad_data_is_refused_with_every_problem_listed(yiwang):
    for form in sorted((BPMN.parent / "forms").glob("*.json")):
        yiwang("publish-form", form.stem, str(form))
    yiwang("deploy", str(BPMN))
    result = yiwang("start", "one_window_approval", "--data",
                    '{"applicant": "a", "id_number": "123", "mobile": "1", "departments": []}', ok=False)
    assert result.returncode == 1
    for pointer in ("/id_number", "/mobile", "/departments", "/applicant_name"):
        assert f"  {pointer}: " in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_errors_are_one_clear_line_and_a_failing_exit_code(yiwang, tmp_path):
    bad = tmp_path / "bad.bpmn"
    bad.write_text("<definitions>\n<process></definitions>")
    result = yiwang("deploy", str(bad), ok=False)
    assert result.returncode == 1
    assert "bad.bpmn:2" in result.stderr and "Traceback" not in result.stderr
    result = yiwang("start", "no_such_process", ok=False)
    assert result.returncode == 1 and "no_such_process" in result.stderr
    result = yiwang("complete", "00000000-0000-0000-0000-000000000000", ok=False)
    assert "no task with this id" in result.stderr
