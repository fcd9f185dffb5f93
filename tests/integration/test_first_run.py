"""A newcomer's first minutes: `yiwang serve` says where the UI is and how to sign in; the demo runs anywhere."""

from __future__ import annotations

import json
import os
import pty
import select
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyotp
import pytest
import requests
from sqlalchemy import create_engine, text

from api.demo import PASSWORD as DEMO_PASSWORD
from support.paths import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")}
    return {**env, **extra}


def read_until(stream_fd: int, marker: str, process, seconds: float = 120) -> str:
    """What the process wrote until ``marker`` appeared (or the time ran out)."""
    out, deadline = b"", time.monotonic() + seconds
    while marker.encode() not in out:
        assert time.monotonic() < deadline and process.poll() is None, out.decode(errors="replace")
        ready, _, _ = select.select([stream_fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(stream_fd, 65536)
            except OSError:  # the pty closed
                chunk = b""
            out += chunk
    return out.decode()


def wait_for(url: str, process, seconds: float = 60) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, f"{url} did not answer"
            time.sleep(0.3)


def stop(process) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(15)
    if process.stdout is not None:
        process.stdout.close()


@pytest.mark.slow
def test_serve_on_a_database_without_accounts_says_how_to_make_the_first_and_where_the_ui_is(tmp_path):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "api", "serve", "--port", str(port)], cwd=tmp_path,
                              env=clean_env(PYTHONPATH=str(REPO)), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL)
    try:
        out = read_until(server.stdout.fileno(), "web UI", server)
        assert "还没有任何用户账号" in out
        assert "yiwang users create admin --role security_admin" in out and "yiwang serve --demo" in out
        assert f"网页界面 web UI:  http://127.0.0.1:{port}/ui/" in out
        assert b'id="root"' in wait_for(f"http://127.0.0.1:{port}/ui/", server)
    finally:
        stop(server)


@pytest.mark.slow
def test_on_a_terminal_serve_offers_to_create_the_first_security_administrator(tmp_path):
    port = free_port()
    leader, follower = pty.openpty()
    server = subprocess.Popen([sys.executable, "-m", "api", "serve", "--port", str(port)], cwd=tmp_path,
                              env=clean_env(PYTHONPATH=str(REPO)), stdin=follower, stdout=follower,
                              stderr=follower, close_fds=True)
    os.close(follower)
    try:
        read_until(leader, "[Y/n]", server)
        os.write(leader, b"y\n")
        read_until(leader, "username", server)
        os.write(leader, b"chief\n")
        for weak_or_strong in (b"short\n", b"short\n", b"Hall-Keeper-2026\n", b"Hall-Keeper-2026\n"):
            time.sleep(0.2)
            os.write(leader, weak_or_strong)
        out = read_until(leader, "web UI", server)
        assert "已创建安全管理员 chief" in out and "error:" in out  # the weak one was refused, saying why
        assert "authenticator app" in out  # what the first sign-in will ask for
        wait_for(f"http://127.0.0.1:{port}/healthz", server)
        _first_sign_in_sets_up_the_second_factor(f"http://127.0.0.1:{port}/api/v1", "chief", "Hall-Keeper-2026")
    finally:
        stop(server)
        os.close(leader)
    db = create_engine(f"sqlite:///{tmp_path / 'yiwang.sqlite3'}")
    with db.connect() as conn:
        assert conn.execute(text("SELECT action, object_id FROM audit_record WHERE action = 'user.created'")).all() \
            == [("user.created", "chief")]
    db.dispose()


def _first_sign_in_sets_up_the_second_factor(api: str, username: str, password: str) -> None:
    """The first sign-in of the first security administrator: an authenticator app is set up, then they work."""
    http = requests.Session()
    me = http.post(f"{api}/session", json={"username": username, "password": password}, timeout=10).json()
    assert "security_admin" in me["roles"] and me["second_factor"] == "enrol" and me["permissions"] == []
    http.headers["X-CSRF-Token"] = me["csrf_token"]
    enrolment = http.post(f"{api}/session/second-factor/enrolment", timeout=10).json()
    done = http.post(f"{api}/session/second-factor/enrolment/confirm", timeout=10,
                     json={"code": pyotp.TOTP(enrolment["secret"]).now()})
    assert done.status_code == 200 and len(done.json()["recovery_codes"]) == 10, done.text
    assert http.get(f"{api}/users", timeout=10).json()[0]["username"] == username


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The project installed the way `pip install .` does (a built wheel, not the source tree)."""
    wheels, target = tmp_path_factory.mktemp("wheel"), tmp_path_factory.mktemp("site")
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(REPO)], check=True, timeout=600,
                   capture_output=True)
    [wheel] = wheels.glob("yiwang-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True, timeout=600,
                   capture_output=True)
    return target


@pytest.mark.slow
def test_the_demo_runs_from_an_empty_folder_after_a_plain_install(installed, tmp_path):
    env = clean_env(PYTHONPATH=str(installed))
    where = subprocess.run([sys.executable, "-c", "import api; print(api.__file__)"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(installed))  # the installed copy, not the checkout
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "api", "serve", "--demo", "--port", str(port)], cwd=tmp_path,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        out = read_until(server.stdout.fileno(), "web UI", server)
        assert "340500-XZQR-BDC-012 v1: published" in out and "one_window_approval v1: published" in out
        assert f"password for all: {DEMO_PASSWORD}" in out and "clerk" in out and "secadmin" in out
        assert f"http://127.0.0.1:{port}/ui/" in out and "还没有任何用户账号" not in out
        wait_for(f"http://127.0.0.1:{port}/healthz", server)
        login = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/session", method="POST",
                                       data=json.dumps({"username": "clerk", "password": DEMO_PASSWORD}).encode(),
                                       headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(login, timeout=10) as response:
            assert json.load(response)["username"] == "clerk"
    finally:
        stop(server)
    assert (tmp_path / "yiwang.sqlite3").is_file()  # the embedded default, in the folder it ran in


def test_serve_on_a_database_at_an_older_revision_says_to_upgrade_instead_of_a_traceback(tmp_path):
    from api.schema import ensure_schema
    from api.wiring import register_tables_and_jobs
    from engine.db import Base, make_db_engine

    register_tables_and_jobs()
    db = make_db_engine(f"sqlite:///{tmp_path / 'yiwang.sqlite3'}")
    ensure_schema(db, Base.metadata)
    with db.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    db.dispose()
    done = subprocess.run([sys.executable, "-m", "api", "serve", "--port", str(free_port())], cwd=tmp_path,
                          env=clean_env(PYTHONPATH=str(REPO)), capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "run `yiwang db upgrade`" in done.stderr
