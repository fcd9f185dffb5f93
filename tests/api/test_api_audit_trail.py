"""The audit trail: written with the change, refusals in their own transaction, hash-chained, verifiable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from api import audit
from api.models import AuditRecord
from api_kit import MASKED_ID, RESIDENT_ID, START, audit_rows, tasks_of
from support import second_factor
from support.audit_kit import tamper as tamper_with
from support.paths import REPO


def test_every_state_changing_call_writes_who_what_where_and_the_result(as_user, start_case, env):
    case = start_case("zhang3")
    (record,) = audit_rows(env, action="instance.started")
    assert (record.actor, record.result, record.object_type, record.object_id, record.case_id) == (
        "clerk1", "ok", "instance", case["id"], case["id"])
    assert record.source == "127.0.0.1" and record.at is not None
    assert record.details["process_id"] == "one_window_approval"


def test_a_failed_change_is_recorded_although_its_transaction_rolled_back(as_user, start_case, env):
    case = start_case("zhang3")
    clerk = as_user("clerk1")
    (accept,) = tasks_of(clerk, case["id"])
    clerk.post(f"/api/v1/tasks/{accept['id']}/complete", json={"data": {"acceptance": "accept"}})
    again = clerk.post(f"/api/v1/tasks/{accept['id']}/complete", json={"data": {"acceptance": "accept"}})
    assert again.status_code == 409
    results = [r.result for r in reversed(audit_rows(env, action="task.completed"))]
    assert results == ["ok", "failed"]


def test_the_chain_verifies_on_a_fresh_case_and_through_the_api(as_user, start_case, env):
    start_case("zhang3")
    second_factor.enrol(env, "auditor1")  # their phone was set up before
    with env.unit_of_work() as uow:
        result = audit.verify(uow.session)
    assert result.ok and result.checked >= 3
    shown = as_user("auditor1").get("/api/v1/audit/verify").get_json()
    assert shown["ok"] and shown["checked"] == result.checked + 1  # the auditor's own login


@pytest.mark.parametrize("tamper,reason", [
    ("UPDATE audit_record SET actor = 'someone-else' WHERE seq = 2", "content does not match its hash"),
    ("DELETE FROM audit_record WHERE seq = 2", "record seq 2 is missing"),
    ("UPDATE audit_record SET prev_hash = hash WHERE seq = 3", "does not link"),
])
def test_a_tampered_row_breaks_the_chain_at_that_row(start_case, env, tamper, reason):
    start_case("zhang3")
    tamper_with(env.db_engine, tamper)
    with env.unit_of_work() as uow:
        result = audit.verify(uow.session)
    assert not result.ok and reason in result.reason
    assert result.broken_seq in (2, 3)


def test_removing_the_newest_records_is_noticed(start_case, env):
    start_case("zhang3")
    tamper_with(env.db_engine, "DELETE FROM audit_record WHERE seq = (SELECT MAX(seq) FROM audit_record)")
    with env.unit_of_work() as uow:
        result = audit.verify(uow.session)
    assert not result.ok and "removed from the end" in result.reason


def test_records_cannot_be_changed_or_deleted_through_the_orm(start_case, env):
    start_case("zhang3")
    with env.unit_of_work() as uow:
        record = uow.session.get(AuditRecord, 1)
        record.result = "ok-ish"
        with pytest.raises(audit.AppendOnly):
            uow.session.flush()
    with env.unit_of_work() as uow:
        uow.session.delete(uow.session.get(AuditRecord, 1))
        with pytest.raises(audit.AppendOnly):
            uow.session.flush()


def test_the_audit_trail_is_for_auditors(as_user, start_case):
    case = start_case("zhang3")
    auditor = as_user("auditor1")
    records = auditor.get("/api/v1/audit", query_string={"action": "instance.started"}).get_json()
    assert [r["object_id"] for r in records] == [case["id"]]
    per_case = auditor.get(f"/api/v1/instances/{case['id']}/audit").get_json()
    assert {r["action"] for r in per_case} == {"instance.started"}
    assert as_user("super1").get(f"/api/v1/instances/{case['id']}/audit").status_code == 200
    assert as_user("clerk1").get(f"/api/v1/instances/{case['id']}/audit").status_code == 403


def test_personal_identifiers_are_masked_in_the_audit_trail(as_user, deployed, env):
    clerk = as_user("clerk1")
    clerk.post("/api/v1/instances", json={"process_id": "one_window_approval", "business_key": RESIDENT_ID,
                                          "data": START})
    (record,) = audit_rows(env, action="instance.started")
    assert record.details["business_key"] == MASKED_ID


def _cli(db_engine, *args):
    url = db_engine.url.render_as_string(hide_password=False)
    environ = {**os.environ, "PYTHONPATH": str(REPO), "YIWANG_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "api", *args], env=environ, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.slow
def test_yiwang_audit_verify_passes_then_names_the_tampered_row(start_case, env, db_engine):
    start_case("zhang3")
    ok = _cli(db_engine, "audit", "verify")
    assert ok.returncode == 0 and "audit chain intact" in ok.stdout
    tamper_with(env.db_engine, "UPDATE audit_record SET object_id = 'x' WHERE seq = 3")
    broken = _cli(db_engine, "audit", "verify")
    assert broken.returncode == 1
    assert "broken at record seq 3" in broken.stderr and "Traceback" not in broken.stderr


def test_concurrent_appends_chain_one_after_another_without_gaps(env):
    """Many transactions appending at once (the first creating the head row) still form one chain."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    writers = 12
    barrier = Barrier(writers)

    def append(n: int) -> None:
        barrier.wait()
        with env.unit_of_work() as uow:
            audit.append(uow.session, action="test.concurrent", result="ok", actor=f"writer{n}")
            uow.commit()

    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(append, range(writers)))
    with env.unit_of_work() as uow:
        seqs = sorted(uow.session.scalars(
            text("SELECT seq FROM audit_record WHERE action = 'test.concurrent'")))
        assert seqs == list(range(seqs[0], seqs[0] + writers))
        assert audit.verify(uow.session).ok
