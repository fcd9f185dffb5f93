"""`yiwang serve`, the README's first command, starts the service on the embedded default."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

from support.paths import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_health_and_openapi_on_a_fresh_directory(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")}
    env["PYTHONPATH"] = str(REPO)
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "api", "serve", "--port", str(port)], cwd=tmp_path, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert json.load(response) == {"status": "ok"}
                    break
            except OSError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "the service did not come up within 30 s"
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=5) as response:
            assert json.load(response)["openapi"].startswith("3.")
        assert (tmp_path / "yiwang.sqlite3").exists()
    finally:
        server.terminate()
        server.wait(15)
        log.close()
