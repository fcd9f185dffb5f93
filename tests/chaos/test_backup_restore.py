"""Backup and restore drill with the documented commands (docs/operations.md).

On SQLite, or on PostgreSQL when ``YIWANG_TEST_DATABASE_URL`` names one (each check
then makes its own databases on that server and drops them). The quick checks run in
the normal suite; the drill, with a server under load, is a chaos check.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import text

from api.cli import main as yiwang
from chaos_kit import PASSWORD, Tally, WebServer, check_agreement, cli, run_clerks, seed
from engine.config import EngineConfig
from engine.db import make_db_engine


@pytest.fixture
def fresh_database(tmp_path):
    """Makes URLs of new, empty databases: SQLite files, or databases on the test PostgreSQL server."""
    base, made = os.environ.get("YIWANG_TEST_DATABASE_URL") or None, []

    def make(name: str) -> str:
        if base is None:
            return f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        database = f"yiwang_drill_{uuid.uuid4().hex[:8]}_{name}"
        _admin(base, f'CREATE DATABASE "{database}"')
        made.append(database)
        return make_db_engine(base).url.set(database=database).render_as_string(hide_password=False)

    yield make
    for database in made:
        _admin(base, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _admin(url: str, statement: str) -> None:
    admin = make_db_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(statement))
    admin.dispose()


def seeded(url: str, cases: int = 3):
    """A database with the window's clerks, the loop process and a few cases worked a little."""
    from api.wiring import build_env
    from engine import queries, runtime
    from engine.actors import Actor

    env = build_env(EngineConfig(database_url=url, jobs="inline"))
    seed(env, 1)
    clerk = Actor.of("clerk0", "window")
    for _ in range(cases):
        instance_id = runtime.start_instance(env.unit_of_work(), process_id="loop_approval", actor=clerk)
        with env.unit_of_work() as uow:
            (task,) = queries.list_tasks(uow, queries.TaskFilter(instance_id=instance_id))
        runtime.complete_task(env.unit_of_work(), task["id"], {"finished": False}, actor=clerk)
    return env


def serves(base: str, username: str, *, cases: int) -> None:
    """A clerk logs in, finds every case, reads one and completes an open task."""
    with requests.Session() as http:
        login = http.post(f"{base}/api/v1/session", json={"username": username, "password": PASSWORD}, timeout=30)
        assert login.status_code == 200, login.text
        http.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        listed = http.get(f"{base}/api/v1/instances", params={"limit": 100}, timeout=30).json()
        assert listed["total"] == cases
        case = http.get(f"{base}/api/v1/instances/{listed['items'][0]['id']}", timeout=30)
        assert case.status_code == 200, case.text
        tasks = http.get(f"{base}/api/v1/tasks", timeout=30).json()["items"]
        if not tasks:  # every case happened to be finished
            return
        task = tasks[0]
        done = http.post(f"{base}/api/v1/tasks/{task['id']}/complete", json={"data": {"finished": True}},
                         headers={"If-Match": task["etag"]}, timeout=30)
        assert done.status_code == 200, done.text


def run(*args: str):
    return CliRunner().invoke(yiwang, list(args), catch_exceptions=False)


def counts_of(output: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in output.splitlines() if ": " in line and "chain" not in line)


def test_a_backup_restores_into_a_fresh_database_with_the_same_counts_and_an_intact_chain(
        fresh_database, tmp_path):
    source = fresh_database("source")
    seeded(source).close()
    before = run("--db", source, "backup", "check")
    assert before.exit_code == 0, before.output

    made = run("--db", source, "backup", "create", str(tmp_path / "yiwang.backup"))
    assert made.exit_code == 0, made.output
    restored = run("--db", fresh_database("restored"), "backup", "restore", str(tmp_path / "yiwang.backup"))

    assert restored.exit_code == 0, restored.output
    assert counts_of(restored.output) == counts_of(before.output)
    assert counts_of(restored.output)["history events"] != "0"
    assert "audit chain intact" in restored.output


def test_a_backup_never_overwrites_and_a_restore_never_lands_on_a_database_in_use(fresh_database, tmp_path):
    source = fresh_database("source")
    seeded(source, cases=1).close()
    (tmp_path / "taken.backup").write_bytes(b"an older backup")
    assert run("--db", source, "backup", "create", str(tmp_path / "yiwang.backup")).exit_code == 0

    overwrite = run("--db", source, "backup", "create", str(tmp_path / "taken.backup"))
    onto_live = run("--db", source, "backup", "restore", str(tmp_path / "yiwang.backup"))

    assert overwrite.exit_code == 1 and "never overwrites" in overwrite.output
    assert (tmp_path / "taken.backup").read_bytes() == b"an older backup"
    assert onto_live.exit_code == 1 and ("exists" in onto_live.output or "holds" in onto_live.output)
    assert run("--db", source, "backup", "check").exit_code == 0  # the live database is untouched


@pytest.mark.chaos
def test_drill_a_backup_taken_under_load_restores_verifies_and_serves(fresh_database, tmp_path):
    from api.wiring import build_env

    source = fresh_database("live")
    env = build_env(EngineConfig(database_url=source, jobs="inline"))
    usernames = seed(env, 2)
    embedded = source.startswith("sqlite")
    (tmp_path / "live").mkdir()
    server = WebServer(source, tmp_path / "live", embedded=embedded)
    server.start()
    tally, stop = Tally(), threading.Event()
    clerks = run_clerks(server.base, usernames, tally, stop)
    try:
        time.sleep(2.0)
        cli(source, "backup", "create", str(tmp_path / "online.backup"))  # while the clerks keep working
        time.sleep(0.5)
        stop.set()
        for clerk in clerks:
            clerk.join(120)
        cli(source, "backup", "create", str(tmp_path / "quiet.backup"))  # the server up, nobody working
    finally:
        stop.set()
        server.stop()
    live = cli(source, "backup", "check").stdout
    env.close()
    assert not tally.unexpected, (tally.unexpected[:5], server.errors())

    for name in ("online", "quiet"):
        target = fresh_database(f"restored_{name}")
        restored = cli(target, "backup", "restore", str(tmp_path / f"{name}.backup")).stdout
        assert "audit chain intact" in restored
        copy = build_env(EngineConfig(database_url=target, jobs="inline"))
        agreement = check_agreement(copy)
        copy.close()
        assert not agreement.problems, (name, agreement.problems[:5])
        assert agreement.instances > 0
        print(f"\n{name} backup restored: {' / '.join(restored.splitlines()[1:])}")
    assert counts_of(restored) == counts_of(live)

    (tmp_path / "restored").mkdir()
    server = WebServer(target, tmp_path / "restored", embedded=embedded)
    server.start()
    try:
        serves(server.base, usernames[0], cases=int(counts_of(live)["process instances"]))
    finally:
        server.stop()
    assert "audit chain intact" in cli(target, "backup", "check").stdout  # the chain goes on from the backup
