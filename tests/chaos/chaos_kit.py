"""Helpers for the fault checks: real servers on 127.0.0.1, clerks working over HTTP, agreement checks.

A :class:`WebServer` is the production server (gunicorn) in its own process group,
so a check can SIGKILL one worker, the master alone, or everything at once. Clerks
(:func:`clerk_loop`) open cases and complete tasks the way a careful client does:
an ``Idempotency-Key`` on every start and an ``If-Match`` on every completion, each
request retried until it gets a definite answer. :func:`check_agreement` then reads
the database directly and checks that every step is there entirely or not at all.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import select
from SpiffWorkflow.util.task import TaskState

from support.limits import unthrottled_environ
from support.paths import REPO

LOOP = REPO / "bench" / "data" / "loop_approval.bpmn"
PROCESS_ID = "loop_approval"
PASSWORD = "Chaos-passw0rd-2026"
SECRET_KEY = "chaos-secret-key-not-for-production-0123456789"
# A request that gets no definite answer for this long fails the check.
GIVE_UP_S = 90.0
# Share of a clerk's actions that open a new case, and of completions that end one.
START_SHARE = 0.2
FINISH_SHARE = 0.15


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(**settings: str) -> dict[str, str]:
    """This process's environment without any YIWANG_* setting, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")}
    env["PYTHONPATH"] = str(REPO)
    env.update(unthrottled_environ())  # clerks sign in from 127.0.0.1 again after every kill
    env.update({f"YIWANG_{k.upper()}": v for k, v in settings.items()})
    return env


def cli(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``yiwang --db URL ARGS`` in a separate process."""
    done = subprocess.run([sys.executable, "-m", "api", "--db", url, *args], env=child_env(), cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    if check:
        assert done.returncode == 0, f"yiwang {' '.join(args)}: {done.stdout}{done.stderr}"
    return done


# -- the server ---------------------------------------------------------------------------
class WebServer:
    """The web service in its own process group; ``embedded`` is `yiwang serve`, else gunicorn -w N."""

    def __init__(self, url: str, workdir: Path, *, embedded: bool, workers: int = 2) -> None:
        self.url, self.workdir, self.port = url, workdir, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        if embedded:
            self.command = [sys.executable, "-m", "api", "--db", url, "serve", "--host", "127.0.0.1",
                            "--port", str(self.port)]
            self.env = child_env(secret_key=SECRET_KEY)
        else:
            self.command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", "4",
                            "-b", f"127.0.0.1:{self.port}", "--timeout", "60", "api.app:create_app()"]
            self.env = child_env(database_url=url, jobs="inline", secret_key=SECRET_KEY, cookie_secure="false")
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 60.0) -> None:
        with (self.workdir / "server.log").open("ab") as log:
            self.process = subprocess.Popen(self.command, env=self.env, cwd=self.workdir, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1
        try:
            self.wait_ready(timeout)
        except AssertionError:
            self.stop()
            raise

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Seconds until /healthz answers."""
        began = time.monotonic()
        while True:
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return time.monotonic() - began
            except requests.RequestException:
                pass
            assert self.process.poll() is None, f"the server exited: {self.log_tail()}"
            assert time.monotonic() - began < timeout, f"no answer within {timeout:.0f} s: {self.log_tail()}"
            time.sleep(0.1)

    def workers(self) -> list[int]:
        return _children(self.process.pid)

    def kill(self, mode: str, rng: random.Random) -> None:
        """SIGKILL "worker" (one; the master starts another), "master" or "all" (the process group).

        After the master, its orphaned workers go on serving for up to a second, then
        die the way a supervisor (systemd's control group) ends them: SIGKILL.
        """
        if mode == "worker":
            workers = self.workers()
            if workers:
                os.kill(rng.choice(workers), signal.SIGKILL)
                return
            mode = "all"  # between a worker's death and its replacement: take everything down
        if mode == "master":
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)
            time.sleep(rng.uniform(0, 1))
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(30)
        deadline = time.monotonic() + 30
        while _group_alive(self.process.pid):
            assert time.monotonic() < deadline, "the server's processes did not die"
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM (gunicorn's graceful stop); whatever is left of the group after 30 s is killed."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)

    def errors(self) -> list[str]:
        """The distinct exception lines of the server's log (what a 500 was about)."""
        text = (self.workdir / "server.log").read_text(errors="replace")
        found = [line for line in text.splitlines() if line[:1] != " " and ("Error" in line or "Exception" in line)]
        return sorted(set(found))[:20]

    def log_tail(self, lines: int = 40) -> str:
        text = (self.workdir / "server.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name may hold spaces; the parent id is the second field after it.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process is left in the process group."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


# -- seeding --------------------------------------------------------------------------------
def seed(env, clerks: int) -> list[str]:
    """A window group, its clerks and the loop process; returns the clerks' user names."""
    from api import accounts
    from engine import deploy

    accounts.create_group(env.unit_of_work(), "window", kind="window")
    names = [f"clerk{n}" for n in range(clerks)]
    for name in names:
        accounts.create_user(env.unit_of_work(), name, password=PASSWORD, roles=["clerk"], groups=["window"],
                             min_length=12)
    deploy.deploy(env.unit_of_work(), {LOOP.name: LOOP.read_bytes()}, deployed_by="chaos")
    return names


# -- clerks ---------------------------------------------------------------------------------
@dataclass
class Tally:
    """What the clerks saw; shared by their threads under ``lock``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)  # "POST complete 200" -> count
    acknowledged: set[str] = field(default_factory=set)  # tasks whose completion answered 200
    started: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> case
    cut_off: int = 0  # requests that got no answer (connection refused, reset or timed out)
    in_flight: int = 0  # of those, the ones that had reached the server (not refused)
    retried: int = 0  # requests sent again after a cut-off or a 503
    replayed: int = 0  # starts answered "already done" after a cut-off
    unexpected: list[str] = field(default_factory=list)
    last_ok: float = 0.0

    def note(self, label: str, response: requests.Response) -> None:
        with self.lock:
            self.statuses[f"{label} {response.status_code}"] += 1
            if response.status_code < 300:
                self.last_ok = time.monotonic()

    def wrong(self, message: str) -> None:
        with self.lock:
            self.unexpected.append(message)


def login(base: str, username: str, tally: Tally) -> requests.Session:
    http = requests.Session()
    response = send(http, "POST", f"{base}/api/v1/session", tally, "login",
                    json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    http.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return http


def send(http: requests.Session, method: str, url: str, tally: Tally, label: str, **kwargs) -> requests.Response:
    """Send until there is a definite answer: no answer and 503 (with Retry-After) are retried.

    A 503 without Retry-After and any 5xx other than 503 are noted as unexpected.
    """
    deadline = time.monotonic() + GIVE_UP_S
    attempt = 0
    while True:
        attempt += 1
        if attempt > 1:
            with tally.lock:
                tally.retried += 1
        try:
            response = http.request(method, url, timeout=20, **kwargs)
        except requests.RequestException as err:
            with tally.lock:
                tally.cut_off += 1
                tally.in_flight += "Connection refused" not in str(err)
            assert time.monotonic() < deadline, f"{label}: no answer for {GIVE_UP_S:.0f} s"
            time.sleep(0.2)
            continue
        tally.note(label, response)
        if response.status_code == 503:
            retry_after = response.headers.get("Retry-After")
            if retry_after is None:
                tally.wrong(f"{label}: 503 without Retry-After: {response.text[:300]}")
            assert time.monotonic() < deadline, f"{label}: 503 for {GIVE_UP_S:.0f} s"
            time.sleep(min(float(retry_after or 1), 1.0))
            continue
        if response.status_code >= 500:
            tally.wrong(f"{label}: {response.status_code} {response.text[:300]}")
        return response


def open_case(http: requests.Session, base: str, tally: Tally) -> None:
    key = uuid.uuid4().hex
    response = send(http, "POST", f"{base}/api/v1/instances", tally, "POST instances",
                    json={"process_id": PROCESS_ID, "data": {}}, headers={"Idempotency-Key": key})
    if response.status_code not in (200, 201):
        tally.wrong(f"start: {response.status_code} {response.text[:300]}")
        return
    with tally.lock:
        tally.started[key] = response.json()["id"]
        tally.replayed += response.status_code == 200


def complete_one(http: requests.Session, base: str, tally: Tally, rng: random.Random) -> None:
    listed = send(http, "GET", f"{base}/api/v1/tasks", tally, "GET tasks", params={"limit": 50})
    if listed.status_code != 200:
        tally.wrong(f"list: {listed.status_code} {listed.text[:300]}")
        return
    items = listed.json()["items"]
    if not items:
        open_case(http, base, tally)
        return
    task = rng.choice(items)
    response = send(http, "POST", f"{base}/api/v1/tasks/{task['id']}/complete", tally, "POST complete",
                    json={"data": {"finished": rng.random() < FINISH_SHARE}}, headers={"If-Match": task["etag"]})
    if response.status_code == 200:
        with tally.lock:
            if task["id"] in tally.acknowledged:
                tally.unexpected.append(f"task {task['id']} was completed twice")
            tally.acknowledged.add(task["id"])
    elif response.status_code not in (409, 412):  # another clerk was first, or our own cut-off attempt was
        tally.wrong(f"complete: {response.status_code} {response.text[:300]}")


def clerk_loop(base: str, username: str, tally: Tally, stop: threading.Event, seed_: int) -> None:
    rng = random.Random(seed_)
    try:
        with login(base, username, tally) as http:  # closing its connections lets the server stop at once
            while not stop.is_set():
                if rng.random() < START_SHARE:
                    open_case(http, base, tally)
                else:
                    complete_one(http, base, tally, rng)
    except AssertionError as err:
        tally.wrong(f"{username}: {err}")


def run_clerks(base: str, usernames: list[str], tally: Tally, stop: threading.Event) -> list[threading.Thread]:
    threads = [threading.Thread(target=clerk_loop, args=(base, name, tally, stop, n), name=name, daemon=True)
               for n, name in enumerate(usernames)]
    for thread in threads:
        thread.start()
    return threads


# -- agreement ------------------------------------------------------------------------------
@dataclass
class Agreement:
    instances: int = 0
    completed_steps: int = 0
    problems: list[str] = field(default_factory=list)


def check_agreement(env) -> Agreement:
    """For every instance: workflow state, task index, case history and audit trail tell one story."""
    from api.models import AuditRecord
    from engine.instance_store import load
    from engine.models import HistoryEvent, ProcessInstance, WorkTask
    from engine.task_kinds import human_kind

    result = Agreement()
    env.instances.clear()
    with env.unit_of_work() as uow:
        session = uow.session
        ids = list(session.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id)))
        for instance_id in ids:
            loaded = load(uow, instance_id)
            wf = loaded.workflow
            human = [t for t in wf.get_tasks() if human_kind(t.task_spec)]
            ready = {str(t.id) for t in human if t.state == TaskState.READY}
            done = sorted(str(t.id) for t in human if t.state == TaskState.COMPLETED)
            index = dict(session.execute(select(WorkTask.id, WorkTask.state).where(
                WorkTask.instance_id == instance_id)).all())
            history = Counter(session.execute(select(HistoryEvent.action, HistoryEvent.task_id).where(
                HistoryEvent.instance_id == instance_id)).all())
            audited = Counter(session.execute(select(AuditRecord.action, AuditRecord.object_id).where(
                AuditRecord.case_id == instance_id, AuditRecord.result == "ok")).all())
            logged_done = sorted(t for (action, t), n in history.items() if action == "task.completed"
                                 for _ in range(n))
            audited_done = sorted(t for (action, t), n in audited.items() if action == "task.completed"
                                  for _ in range(n))
            facts = {
                "ready in the workflow = ready in the index":
                    ready == {t for t, s in index.items() if s == "ready"},
                "completed in the workflow = completed in the index":
                    done == sorted(t for t, s in index.items() if s == "completed"),
                "completed in the workflow = task.completed in the history": done == logged_done,
                "completed in the workflow = task.completed ok in the audit trail": done == audited_done,
                "one instance.started in the history": history[("instance.started", None)] == 1,
                # A replayed start is audited too, so there may be more than one record.
                "instance.started ok in the audit trail": audited[("instance.started", instance_id)] >= 1,
                "status follows the workflow": (loaded.row.status == "completed") == wf.is_completed(),
            }
            for fact, holds in facts.items():
                if not holds:
                    result.problems.append(f"{instance_id}: not ({fact})")
            result.instances += 1
            result.completed_steps += len(done)
    return result


def check_clerks_saw_the_truth(env, tally: Tally) -> list[str]:
    """What the clerks were told is what the database holds: every 200 stored, no case started twice.

    Every case is started by a clerk with its own Idempotency-Key, so the stored cases
    must be exactly the ones the starts answered with, one per key.
    """
    from engine.models import ProcessInstance, WorkTask

    problems = list(tally.unexpected)
    with env.unit_of_work() as uow:
        session = uow.session
        completed = set(session.scalars(select(WorkTask.id).where(WorkTask.state == "completed")))
        stored = set(session.scalars(select(ProcessInstance.id)))
    lost = tally.acknowledged - completed
    if lost:
        problems.append(f"{len(lost)} completions answered 200 are not stored: {sorted(lost)[:5]}")
    answered = set(tally.started.values())
    if len(answered) != len(tally.started):
        problems.append(f"{len(tally.started)} keys were answered with only {len(answered)} cases")
    if stored != answered:
        problems.append(f"cases stored but never answered: {sorted(stored - answered)[:5]}; "
                        f"answered but not stored: {sorted(answered - stored)[:5]}")
    return problems


def audit_chain_intact(url: str) -> str:
    """``yiwang audit verify`` on the database; its one-line verdict."""
    done = cli(url, "audit", "verify", check=False)
    verdict = (done.stdout + done.stderr).strip()
    assert done.returncode == 0 and "intact" in verdict, verdict
    return verdict
