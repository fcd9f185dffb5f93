"""Admission: one process works on at most ``MAX_IN_FLIGHT`` requests at once.

A request beyond the limit is answered 503 with Retry-After straight away rather
than left waiting for a database connection until it times out: the client learns
at once when to come back, and the requests already admitted keep their pace.
The health check is always answered, so an overloaded process is not mistaken for
a dead one.
"""

from __future__ import annotations

import threading

from flask import Flask, g, request

from .problems import retry_later

ALWAYS_ANSWERED = frozenset({"/healthz"})


def init_app(app: Flask) -> None:
    """Bind the limit; call before anything else registers ``before_request`` hooks."""
    limit = app.config["MAX_IN_FLIGHT"]
    if limit <= 0:
        return
    slots = threading.BoundedSemaphore(limit)

    @app.before_request
    def admit():
        if request.path in ALWAYS_ANSWERED:
            return None
        if not slots.acquire(blocking=False):
            return retry_later("too many requests at once; retry in a moment", "overloaded")
        g.admitted = True
        return None

    @app.teardown_request
    def leave(_error) -> None:
        if g.pop("admitted", False):
            slots.release()
