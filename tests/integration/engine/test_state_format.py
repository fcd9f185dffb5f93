"""Stored instance state carries a format version; older rows are upgraded on load."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import state
from engine.models import InstanceTaskState, ProcessInstance
from support.engine_kit import complete, deploy_files, one_ready, ready, start
from support.paths import EXAMPLES

BPMN = EXAMPLES / "one_window_approval" / "one_window_approval.bpmn"


def stored(env, case):
    with env.unit_of_work() as uow:
        row = uow.session.get(ProcessInstance, case)
        bodies = dict(uow.session.execute(
            select(InstanceTaskState.task_id, InstanceTaskState.body)
            .where(InstanceTaskState.instance_id == case)).all())
        return row.state_meta, bodies


def test_saved_state_names_its_format_and_holds_no_process_spec(env):
    deploy_files(env, BPMN)
    case = start(env, "one_window_approval", {"applicant": "a", "departments": ["x"]})
    meta, bodies = stored(env, case)
    assert meta["format"] == state.FORMAT_VERSION
    assert "spec" not in meta and "spec" not in meta["workflow"]
    assert all(set(b) >= {"wf", "state", "task_spec", "data"} for b in bodies.values())


def test_a_step_rewrites_only_the_tasks_it_changed(env):
    deploy_files(env, BPMN)
    case = start(env, "one_window_approval", {"applicant": "a", "departments": ["x", "y"]})
    complete(env, one_ready(env, case, "accept"), {"acceptance": "accept"})
    _, before = stored(env, case)
    first, second = ready(env, case, "review")
    complete(env, first, {"opinion": {"approved": True}})
    _, after = stored(env, case)
    changed = {tid for tid in after if after[tid] != before.get(tid)}
    assert second["id"] not in changed
    assert first["id"] in changed
    assert len(changed) < len(after) / 2


def test_rows_in_an_older_format_are_migrated_when_loaded(env, monkeypatch):
    deploy_files(env, BPMN)
    case = start(env, "one_window_approval", {"applicant": "a", "departments": ["x"]})
    meta, bodies = stored(env, case)
    old_meta = {**meta, "format": 0}
    old_meta["workflow"] = {k: v for k, v in meta["workflow"].items() if k != "correlations"}
    calls = []

    def from_0(meta, bodies):
        calls.append(len(bodies))
        meta["workflow"]["correlations"] = {}
        return 1

    monkeypatch.setitem(state.MIGRATIONS, 0, from_0)
    upgraded, _ = state.migrate(old_meta, dict(bodies))
    assert calls == [len(bodies)]
    assert upgraded["format"] == 1 and upgraded["workflow"]["correlations"] == {}


def test_a_format_with_no_migration_path_is_a_clear_error():
    with pytest.raises(state.StateFormatError) as err:
        state.migrate({"format": 99, "workflow": {}}, {})
    assert err.value.context == {"found": 99, "expected": state.FORMAT_VERSION}
