"""Engine settings: every key declared once, with its default and why it exists.

``EngineConfig.from_env()`` reads ``YIWANG_<KEY>`` environment variables, so the same
settings reach the web app, the CLI and rq workers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class EngineConfig:
    # SQLAlchemy URL. The embedded default is a SQLite file in the working directory;
    # production uses postgresql+psycopg://...
    database_url: str = "sqlite:///yiwang.sqlite3"
    # How background jobs run: "inline" (right after the commit that created them,
    # in the same thread: tests and the CLI), "thread" (an in-process worker thread:
    # the embedded default of `yiwang serve`) or "rq" (Redis queue, `yiwang worker`).
    jobs: str = "inline"
    # Redis for jobs="rq".
    redis_url: str = "redis://127.0.0.1:6379/0"
    # rq queue name; tests use their own to stay apart.
    queue_name: str = "yiwang"
    # Script tasks in uploaded BPMN are refused at deploy unless an operator enables
    # them; enabled scripts run in a separate process under these limits.
    scripts_enabled: bool = False
    script_timeout_s: float = 2.0
    script_memory_mb: int = 256
    # Largest BPMN/DMN file accepted, and deepest element nesting.
    max_xml_bytes: int = 5 * 1024 * 1024
    max_xml_depth: int = 200
    # Deserialized instances kept per process (trusted only while their row version matches).
    instance_cache_size: int = 256
    # Failed background steps: attempts before an incident waits for an operator,
    # and the first backoff delay (doubled on every attempt).
    job_max_attempts: int = 5
    job_backoff_s: float = 10.0
    # A claimed job whose worker died is re-enqueued after this lease.
    job_lease_s: float = 300.0
    # How often the embedded scheduler looks for due timers and stale jobs.
    poll_interval_s: float = 5.0

    @classmethod
    def from_env(cls, environ=None, **overrides) -> "EngineConfig":
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(f"YIWANG_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _coerce(f.type, raw, f.name)
        values.update(overrides)
        return cls(**values)


def _coerce(type_name, raw: str, name: str):
    type_name = type_name if isinstance(type_name, str) else type_name.__name__
    try:
        if type_name == "bool":
            if raw.lower() not in {"1", "0", "true", "false", "yes", "no"}:
                raise ValueError(raw)
            return raw.lower() in {"1", "true", "yes"}
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
    except ValueError:
        raise ValueError(f"YIWANG_{name.upper()}={raw!r} is not a valid {type_name}") from None
    return raw
