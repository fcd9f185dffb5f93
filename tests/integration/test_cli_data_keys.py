"""`yiwang data-keys`: a key rotated on the command line, the cases resealed under it, the old key dropped."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from engine.models import InstanceTaskState
from engine.sealing import PREFIX
from support.paths import EXAMPLES, REPO

EXAMPLE = EXAMPLES / "one_window_approval"
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def yiwang(tmp_path, db_engine):
    url = db_engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(REPO), "YIWANG_DATABASE_URL": url,
           "YIWANG_DATA_KEY_FILE": str(tmp_path / "data_keys.json")}

    def run(*args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "api", *args], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    return run


def key_ids_in(db_engine) -> set[str]:
    with db_engine.connect() as conn:
        bodies = [json.dumps(body) for body in conn.scalars(select(InstanceTaskState.body))]
    return {text.split(PREFIX)[1].split(":")[0] for body in bodies for text in body.split('"') if PREFIX in text}


def test_a_rotated_key_takes_over_after_a_reseal_and_the_old_one_can_go(yiwang, db_engine, tmp_path):
    yiwang("deploy", str(EXAMPLE))
    start = {"applicant": "zhang3", "applicant_name": "张三", "id_number": ID_NUMBER, "mobile": "13800138000",
             "departments": ["market", "fire"]}
    case = yiwang("start", "one_window_approval", "--data", json.dumps(start)).strip()
    keys = json.loads((tmp_path / "data_keys.json").read_text())
    first = keys["current"]
    assert key_ids_in(db_engine) == {first}
    assert "every stored value is sealed under the current key" in yiwang("data-keys", "status")

    rotated = yiwang("data-keys", "rotate")
    second = json.loads((tmp_path / "data_keys.json").read_text())["current"]
    assert second != first and f"new current key {second}" in rotated
    assert "instance_task_state:" in yiwang("data-keys", "status")  # rows still under the first key
    assert json.loads(yiwang("show", case))["data"]["id_number"] == ID_NUMBER  # ... and they still open

    assert "instance_task_state: changed" in yiwang("data-keys", "reseal")
    assert key_ids_in(db_engine) == {second}
    assert "every stored value is sealed under the current key" in yiwang("data-keys", "status")

    keys = json.loads((tmp_path / "data_keys.json").read_text())
    del keys["keys"][first]
    (tmp_path / "data_keys.json").write_text(json.dumps(keys))
    assert json.loads(yiwang("show", case))["data"]["id_number"] == ID_NUMBER
