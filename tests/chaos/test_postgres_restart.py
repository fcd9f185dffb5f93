"""Restart PostgreSQL under load: clients see successes or retriable errors, never a 500 or a duplicate.

A private cluster (see :mod:`pg_cluster`) serves gunicorn with two workers while
clerks open cases (with an Idempotency-Key) and complete tasks (with If-Match).
PostgreSQL is restarted in the middle, alternately ``-m fast`` and ``-m immediate``
(which skips the shutdown checkpoint, so the restart is a crash recovery). A 503
must carry Retry-After; the clerks retry it. The same server, never restarted,
serves again afterwards, and the database holds exactly what the clerks were told.
"""

from __future__ import annotations

import os
import random
import threading
import time

import pytest

from chaos_kit import (
    GIVE_UP_S,
    Tally,
    WebServer,
    audit_chain_intact,
    check_agreement,
    check_clerks_saw_the_truth,
    run_clerks,
    seed,
)
from engine.config import EngineConfig
from pg_cluster import PrivateCluster, find_bindir

RESTARTS = int(os.environ.get("YIWANG_CHAOS_PG_RESTARTS", "2"))
CLERKS = 4

pytestmark = pytest.mark.chaos


@pytest.fixture
def private_postgres():
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("the PostgreSQL server programs (initdb, pg_ctl) are not installed")
    cluster = PrivateCluster(bindir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


def test_restarting_postgresql_under_load_answers_only_retriable_errors_and_duplicates_nothing(
        private_postgres, tmp_path):
    from api.wiring import build_env

    private_postgres.create_database("yiwang")
    url = private_postgres.url("yiwang")
    env = build_env(EngineConfig(database_url=url, jobs="inline"))
    usernames = seed(env, CLERKS)
    server = WebServer(url, tmp_path, embedded=False)
    rng = random.Random(20261123)
    tally, stop = Tally(), threading.Event()
    downtimes, back_after = [], None
    began = time.monotonic()
    server.start()
    clerks = run_clerks(server.base, usernames, tally, stop)
    try:
        logged_in = time.monotonic() + 60
        while tally.statuses["login 200"] < CLERKS and time.monotonic() < logged_in:
            time.sleep(0.1)  # restart under work, not under logins
        for n in range(RESTARTS):
            time.sleep(rng.uniform(1.0, 2.5))
            mode = ("fast", "immediate")[n % 2]
            restarted = time.monotonic()
            private_postgres.restart(mode)
            downtimes.append(time.monotonic() - restarted)
        restarted = time.monotonic()
        while time.monotonic() - restarted < 30 and tally.last_ok <= restarted:
            time.sleep(0.1)
        back_after = time.monotonic() - restarted if tally.last_ok > restarted else None
        time.sleep(1.0)
        still_the_first_server = server.starts == 1 and server.process.poll() is None
    finally:
        stop.set()
        for clerk in clerks:
            clerk.join(GIVE_UP_S + 30)
        server.stop()

    agreement = check_agreement(env)
    told = check_clerks_saw_the_truth(env, tally)
    verdict = audit_chain_intact(url)
    env.close()
    retriable = sum(n for label, n in tally.statuses.items() if label.endswith(" 503"))
    print(f"\npostgresql restarts: {RESTARTS} (down {', '.join(f'{d:.1f}' for d in downtimes)} s), "
          f"serving again {back_after if back_after is None else round(back_after, 1)} s after the last, "
          f"{retriable} answers 503, {tally.cut_off} requests without answer, {tally.retried} retries, "
          f"{agreement.instances} instances, {agreement.completed_steps} steps, "
          f"{len(tally.started)} starts ({tally.replayed} replayed), "
          f"statuses {dict(sorted(tally.statuses.items()))}; {verdict}; {time.monotonic() - began:.0f} s")
    assert not tally.unexpected, (tally.unexpected[:10], server.errors())  # no 500, no 503 without Retry-After
    assert back_after is not None, "no request succeeded after PostgreSQL came back"
    assert still_the_first_server
    assert not agreement.problems, agreement.problems[:10]
    assert not told, told[:10]
    assert all(not clerk.is_alive() for clerk in clerks)
