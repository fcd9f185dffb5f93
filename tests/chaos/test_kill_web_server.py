"""SIGKILL the web service while clerks open cases and complete tasks over HTTP, many times.

The server is the production one: `yiwang serve` (gunicorn, one worker) on SQLite,
gunicorn with two workers on PostgreSQL. At random moments one worker, the master
alone, or the whole process group is killed with SIGKILL; the master replaces a dead
worker by itself, otherwise the service is started again. The clerks retry what got
no answer (with the same Idempotency-Key or If-Match). Afterwards every instance's
workflow state, task index, case history and audit trail agree, every 200 the clerks
saw is stored, no start or completion happened twice, and the audit chain verifies.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter

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

KILLS = int(os.environ.get("YIWANG_CHAOS_HTTP_KILLS", "6"))
CLERKS = 4

pytestmark = pytest.mark.chaos


def test_killing_the_web_server_at_random_points_loses_and_duplicates_nothing(db_engine, tmp_path):
    from api.wiring import build_env

    url = db_engine.url.render_as_string(hide_password=False)
    env = build_env(EngineConfig(database_url=url, jobs="inline"), db_engine=db_engine)
    usernames = seed(env, CLERKS)
    server = WebServer(url, tmp_path, embedded=url.startswith("sqlite"))
    rng = random.Random(20261122)
    tally, stop = Tally(), threading.Event()
    kills, recoveries = Counter(), []
    began = killed_at = time.monotonic()
    server.start()
    clerks = run_clerks(server.base, usernames, tally, stop)
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.5, 2.0))
            mode = rng.choice(["worker", "master", "all"])
            server.kill(mode, rng)
            kills[mode] += 1
            killed_at = time.monotonic()
            if mode == "worker":
                server.wait_ready()
            else:
                server.start()
            recoveries.append(time.monotonic() - killed_at)
        while time.monotonic() - killed_at < 30 and tally.last_ok <= killed_at:
            time.sleep(0.1)
        served_after_last_kill = tally.last_ok > killed_at
    finally:
        stop.set()
        for clerk in clerks:
            clerk.join(GIVE_UP_S + 30)
        server.stop()

    agreement = check_agreement(env)
    told = check_clerks_saw_the_truth(env, tally)
    verdict = audit_chain_intact(url)
    env.dispatcher.close()
    print(f"\n{db_engine.dialect.name}: {sum(kills.values())} kills {dict(kills)}, "
          f"recovery {min(recoveries):.1f}-{max(recoveries):.1f} s, {agreement.instances} instances, "
          f"{agreement.completed_steps} steps, {len(tally.acknowledged)} completions answered 200, "
          f"{len(tally.started)} starts ({tally.replayed} replayed), {tally.cut_off} requests without answer "
          f"({tally.in_flight} cut off in flight), "
          f"{tally.retried} retries, statuses {dict(sorted(tally.statuses.items()))}; {verdict}; "
          f"{time.monotonic() - began:.0f} s")
    assert not agreement.problems, agreement.problems[:10]
    assert not told, (told[:10], server.errors())
    assert served_after_last_kill
    assert all(not clerk.is_alive() for clerk in clerks)
    assert agreement.completed_steps > KILLS  # the clerks really worked between the kills
    assert tally.cut_off > 0  # and the kills really cut requests off
