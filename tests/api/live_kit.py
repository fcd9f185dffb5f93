"""Real servers on 127.0.0.1 for tests that need real HTTP and real concurrency.

``threaded_server(app)`` serves the test's own app from a thread (a thread per
request, as many at once as clients send); ``gunicorn_server(url)`` runs the
production server in a subprocess (several workers, each with its own caches) on
the test database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from werkzeug.serving import make_server

from api_kit import PASSWORD
from support import second_factor
from support.limits import unthrottled_environ
from support.paths import REPO


@contextmanager
def threaded_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn_server(database_url: str, workdir: Path, *, workers: int = 2, threads: int = 8,
                    **settings: str) -> Iterator[str]:
    """``gunicorn 'api.app:create_app()'`` on the given database; ``settings`` are extra YIWANG_ variables."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")}
    environ.update({"PYTHONPATH": str(REPO), "YIWANG_DATABASE_URL": database_url, "YIWANG_JOBS": "inline",
                    "YIWANG_SECRET_KEY": "live-test-secret-" + "x" * 40, "YIWANG_COOKIE_SECURE": "false",
                    # The accounts were hashed with the tests' cheap parameters; keep them (no rehash at login).
                    "YIWANG_PASSWORD_HASH_TIME_COST": "1", "YIWANG_PASSWORD_HASH_MEMORY_KIB": "1024",
                    **unthrottled_environ(), **{f"YIWANG_{k}": v for k, v in settings.items()}})
    log_path = workdir / "gunicorn.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
             "-b", f"127.0.0.1:{port}", "--no-control-socket",  # not the shared ~/.gunicorn/gunicorn.ctl
             # Longer than any pause of the tests' clients: with gunicorn's 2 s, a clerk's
             # connection idle since login can be closed just as its request arrives (reset).
             "--keep-alive", "30",
             "api.app:create_app()"],
            env=environ, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, server, log_path)
            yield base
        finally:
            server.terminate()
            server.wait(30)


def _wait_until_up(base: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{base}/healthz", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        assert server.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, "gunicorn did not come up within 60 s:\n" + log_path.read_text()
        time.sleep(0.2)


def session_for(base: str, username: str, password: str = PASSWORD) -> requests.Session:
    """A logged-in browser session: its cookie, and the CSRF token on every call (administrators: with their
    second factor, :mod:`support.second_factor`)."""
    http = requests.Session()
    status, body = second_factor.sign_in(http_poster(http, base), username, password)
    assert status == 200, body
    http.headers["X-CSRF-Token"] = body["csrf_token"]
    return http


def http_poster(http: requests.Session, base: str):
    """``post(path, body, headers) -> (status, json)`` over real HTTP, for :func:`support.second_factor.sign_in`."""
    def post(path, body, headers):
        response = http.post(f"{base}{path}", json=body, headers=headers, timeout=60)
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, {"text": response.text}

    return post


def copies(http: requests.Session, count: int) -> list[requests.Session]:
    """Sessions sharing one login, one per thread (a requests.Session is not for several threads)."""
    made = []
    for _ in range(count):
        copy = requests.Session()
        copy.cookies.update(http.cookies)
        copy.headers.update(http.headers)
        made.append(copy)
    return made


def all_at_once(calls) -> list:
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except Exception as err:  # noqa: BLE001 - handed to the test, which shows it
            results[index] = err

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results
