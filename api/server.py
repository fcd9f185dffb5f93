"""Serving the app from `yiwang serve`: gunicorn in-process, one worker with threads.

The embedded default runs background jobs in a thread of the same process, so it
serves with exactly one worker; production runs `gunicorn 'api.app:create_app()'`
with several workers and `yiwang worker` processes instead.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class EmbeddedServer(BaseApplication):
    def __init__(self, make_app, *, host: str, port: int, threads: int = 8) -> None:
        # The app (database pool, job thread) is built in the worker, never before the fork.
        self.make_app = make_app
        self.options = {"bind": f"{host}:{port}", "workers": 1, "threads": threads,
                        "worker_class": "gthread", "accesslog": "-", "timeout": 60}
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        # gunicorn 25+ opens a control socket (~/.gunicorn/gunicorn.ctl) through which any process
        # of the same user can reconfigure or stop the server; the embedded server needs none.
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)

    def load(self):
        return self.make_app()


def run(make_app, *, host: str, port: int) -> None:
    EmbeddedServer(make_app, host=host, port=port).run()
