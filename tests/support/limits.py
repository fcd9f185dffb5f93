"""Rate-limit settings for test servers that sign many people in from 127.0.0.1.

The limits are settings (api/config.py): tests and benchmarks configure generous ones
instead of being throttled, and keep the counters in memory so parallel runs never
share them. Tests of the limits themselves set their own.
"""

from __future__ import annotations

UNTHROTTLED = {
    "RATE_LIMIT_STORAGE": "memory://",
    "PUBLIC_RATE_LIMIT": "100000 per minute",
    "LOGIN_RATE_LIMIT": "100000 per minute",
    "LOGIN_ACCOUNT_RATE_LIMIT": "100000 per minute",
    "PROGRESS_RATE_LIMIT": "100000 per minute",
}


def unthrottled_environ() -> dict[str, str]:
    """The same as ``YIWANG_*`` environment variables, for servers run in a subprocess."""
    return {f"YIWANG_{name}": value for name, value in UNTHROTTLED.items()}
