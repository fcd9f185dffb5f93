"""The audit trail against the database itself: append-only, keyed, and anchored outside it.

Each test does what someone with access to the database (a console, the table owner,
the service's own role) would do to rewrite the trail, and checks it is refused or caught.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from api import audit, audit_anchor, audit_guard, audit_keys, config
from api.models import AuditRecord
from api.wiring import build_env, register_tables_and_jobs
from engine.config import EngineConfig
from support.audit_kit import tamper
from support.paths import REPO

# Every table exists when the run's PostgreSQL schema is made, whatever ran first.
register_tables_and_jobs()


@pytest.fixture
def keys(tmp_path):
    """The audit keys and checkpoint folder of this installation, outside the database (in tmp_path)."""
    settings = {"YIWANG_AUDIT_KEY_FILE": str(tmp_path / "keys" / "audit_key"),
                "YIWANG_AUDIT_ANCHOR_DIR": str(tmp_path / "anchors"),
                "YIWANG_AUDIT_ANCHOR_KEY_FILE": str(tmp_path / "keys" / "anchor.pem")}
    before = audit_keys._Current.keys
    audit_keys.configure(config.load(settings), str(tmp_path))
    yield settings
    audit_keys._Current.keys = before


@pytest.fixture
def trail(db_engine, keys):
    """An environment with a short audit trail of five records."""
    env = build_env(EngineConfig(database_url=db_engine.url.render_as_string(hide_password=False), jobs="inline"),
                    db_engine=db_engine, create_schema=False)
    for n in range(5):
        with env.unit_of_work() as uow:
            audit.append(uow.session, action="case.opened", result="ok", actor=f"clerk{n}", object_type="case",
                         object_id=f"case-{n}", details={"n": n})
            uow.commit()
    yield env
    env.close()


def _verify(env):
    with env.unit_of_work() as uow:
        return audit.verify(uow.session), audit_anchor.check(uow.session)


@pytest.mark.parametrize("statement", ["UPDATE audit_record SET actor = 'someone-else' WHERE seq = 2",
                                       "DELETE FROM audit_record WHERE seq = 5"])
def test_the_database_itself_refuses_to_change_or_delete_audit_records(trail, db_engine, statement):
    with pytest.raises(DBAPIError, match="append-only"):
        with db_engine.begin() as conn:  # the table's owner (on PostgreSQL also a superuser)
            conn.execute(text(statement))
    chain, _ = _verify(trail)
    assert chain.ok and chain.checked == 5


def _rewrite_without_the_key(env) -> None:
    """What one could do to today's unkeyed chain: change record 2, recompute every SHA-256 after it."""
    with env.unit_of_work() as uow:
        rows = list(uow.session.scalars(select(AuditRecord).order_by(AuditRecord.seq)))
        uow.session.expunge_all()
    false = "false" if env.db_engine.dialect.name == "postgresql" else "0"
    statements, prev = [], None
    for row in rows:
        row.keyed = False
        if row.seq == 2:
            row.actor = "someone-else"
        if prev is not None:
            row.prev_hash = prev
        prev = audit.record_hash(row)  # plain SHA-256: no key needed
        statements.append(f"UPDATE audit_record SET actor = '{row.actor}', prev_hash = '{row.prev_hash}', "
                          f"hash = '{prev}', keyed = {false} WHERE seq = {row.seq}")
    tamper(env.db_engine, *statements, f"UPDATE audit_head SET last_hash = '{prev}'")


def test_a_chain_rewritten_without_the_key_does_not_verify(trail, db_engine):
    _rewrite_without_the_key(trail)
    chain, _ = _verify(trail)
    assert not chain.ok and chain.broken_seq == 1 and "not keyed" in chain.reason


def test_a_chain_rewritten_with_the_key_is_caught_by_its_signed_checkpoint(trail, db_engine, keys):
    with trail.unit_of_work() as uow:
        assert audit_anchor.write_checkpoint(uow.session)["seq"] == 5
    # Someone holding the chain key (and owning the table) rewrites record 3 and re-chains the rest.
    key = audit_keys.current().chain_key()
    with trail.unit_of_work() as uow:
        rows = list(uow.session.scalars(select(AuditRecord).order_by(AuditRecord.seq)))
        uow.session.expunge_all()
    statements, prev = [], None
    for row in rows:
        if row.seq == 3:
            row.details = {"n": 99}
        if prev is not None:
            row.prev_hash = prev
        prev = audit.record_hash(row, key)
        statements.append(f"UPDATE audit_record SET details = '{json.dumps(row.details)}', "
                          f"prev_hash = '{row.prev_hash}', hash = '{prev}' WHERE seq = {row.seq}")
    tamper(db_engine, *statements, f"UPDATE audit_head SET last_hash = '{prev}'")
    chain, anchors = _verify(trail)
    assert chain.ok  # the key was known: the chain alone cannot tell
    assert not anchors.ok and "record seq 5 is not the one checkpointed" in anchors.reason
    url = db_engine.url.render_as_string(hide_password=False)
    run = subprocess.run([sys.executable, "-m", "api", "--db", url, "audit", "verify"], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO), **keys}, timeout=120)
    assert run.returncode == 1 and "the chain was rewritten" in run.stderr, run.stdout + run.stderr


def test_records_cut_from_the_end_are_caught_by_the_checkpoint(trail, db_engine):
    with trail.unit_of_work() as uow:
        audit_anchor.write_checkpoint(uow.session)
        head_hash = uow.session.scalar(select(AuditRecord.hash).where(AuditRecord.seq == 3))
    tamper(db_engine, "DELETE FROM audit_record WHERE seq > 3",
           f"UPDATE audit_head SET appended = 3, last_hash = '{head_hash}'")
    chain, anchors = _verify(trail)
    assert chain.ok and not anchors.ok and "records were removed" in anchors.reason


@pytest.mark.postgres
def test_the_services_own_role_may_read_and_add_audit_records_but_not_change_them(trail, db_engine):
    if db_engine.dialect.name != "postgresql":
        pytest.skip("roles and privileges are PostgreSQL's (YIWANG_TEST_DATABASE_URL)")
    role = f"yiwang_app_{uuid.uuid4().hex[:8]}"
    with db_engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        audit_guard.grant_app_role(conn, role, "App-Role-Pass-1")
    url = db_engine.url.set(username=role, password="App-Role-Pass-1")
    app_engine = create_engine(url.render_as_string(hide_password=False))
    try:
        with app_engine.connect() as conn:
            assert not conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar_one()
            assert conn.execute(text("SELECT count(*) FROM audit_record")).scalar_one() == 5
        for statement in ("UPDATE audit_record SET actor = 'x' WHERE seq = 1", "DELETE FROM audit_record",
                          "TRUNCATE audit_record", "ALTER TABLE audit_record DISABLE TRIGGER USER",
                          "DROP TRIGGER audit_record_append_only ON audit_record"):
            with pytest.raises(DBAPIError, match="permission denied|must be owner"):
                with app_engine.begin() as conn:
                    conn.execute(text(statement))
        app_env = build_env(EngineConfig(database_url=url.render_as_string(hide_password=False), jobs="inline"),
                            create_schema=False)
        with app_env.unit_of_work() as uow:  # the service itself still appends
            audit.append(uow.session, action="auth.login", result="ok", actor="clerk1")
            uow.commit()
        app_env.close()
        assert _verify(trail)[0].checked == 6
    finally:
        app_engine.dispose()
        with db_engine.begin() as conn:
            conn.execute(text(f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM "{role}"'))
            conn.execute(text(f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA "{schema}" FROM "{role}"'))
            conn.execute(text(f'REVOKE ALL ON SCHEMA "{schema}" FROM "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
