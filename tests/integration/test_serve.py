"""`yiwang serve`, the README's first command, starts the service on the embedded default."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support.paths import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(folder: Path, **environ: str) -> Iterator[str]:
    """``yiwang serve`` started in ``folder``, answering health; yields its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")}
    env.update(PYTHONPATH=str(REPO), **environ)
    log_path = folder / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "api", "serve", "--port", str(port)], cwd=folder,
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                        assert json.load(response) == {"status": "ok"}
                        break
                except OSError:
                    assert server.poll() is None, log_path.read_text()
                    assert time.monotonic() < deadline, "the service did not come up within 30 s"
                    time.sleep(0.3)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(15)


def test_serve_answers_health_and_openapi_on_a_fresh_directory(tmp_path):
    with serving(tmp_path) as base:
        with urllib.request.urlopen(f"{base}/api/openapi.json", timeout=5) as response:
            assert json.load(response)["openapi"].startswith("3.")
        assert (tmp_path / "yiwang.sqlite3").exists()


def test_serve_opens_no_control_socket_in_the_users_home(tmp_path):
    """gunicorn's control socket (``~/.gunicorn/gunicorn.ctl``) would let any process of the user
    drive the server; `yiwang serve` does not open it, nor write anything under the home folder."""
    home = tmp_path / "home"
    home.mkdir()
    with serving(tmp_path, HOME=str(home)):
        time.sleep(1)  # gunicorn opens the socket just after the workers start
        assert list(home.rglob("*")) == []
    assert "control" not in (tmp_path / "serve.log").read_text().lower()
