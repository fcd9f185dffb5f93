"""Web-layer settings: every key declared once, with its default and why it exists.

Each key is read from the environment variable ``YIWANG_<KEY>`` and may be overridden
by ``create_app(test_config)``. Engine settings (database, jobs, Redis) live in
``engine/config.py``; these are only what the HTTP service adds.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    comment: str


SETTINGS = (
    Setting("SECRET_KEY", None,
            "Keys browser session ids and CSRF tokens. Required in production; the embedded default "
            "generates one and keeps it in the instance folder. Changing it logs every browser out "
            "(API tokens are unaffected)."),
    Setting("DEPLOYMENT", "auto",
            "'embedded' (yiwang serve on SQLite) or 'production'; 'auto' means production unless the "
            "database is SQLite."),
    Setting("SESSION_IDLE_MINUTES", 30, "A browser session unused this long ends (等保: idle timeout)."),
    Setting("SESSION_MAX_HOURS", 12, "A browser session ends this long after login, used or not."),
    Setting("LOCKOUT_THRESHOLD", 5,
            "Failed logins of one account from one client address that lock that client (only) out of the "
            "account; before that each failure makes it wait longer (1, 2, 4 ... s; api/login_throttle.py)."),
    Setting("LOCKOUT_MINUTES", 15, "How long a client locked out of an account stays locked (or until a "
                                   "security administrator's audited unlock)."),
    Setting("RATE_LIMIT_STORAGE", "auto",
            "Where rate-limit counters live (a Flask-Limiter storage URI); 'auto' means the engine's Redis "
            "(YIWANG_REDIS_URL) in production, so every worker shares them, and memory when embedded."),
    Setting("RATE_LIMIT_PREFIX", "yiwang", "Prefix of the rate-limit keys in the storage."),
    Setting("PUBLIC_RATE_LIMIT", "300 per minute",
            "Anonymous API calls one client address may make (all anonymous endpoints together); a "
            "Flask-Limiter limit string, e.g. '300 per minute;5000 per day'. Beyond it: 429 + Retry-After."),
    Setting("LOGIN_RATE_LIMIT", "10 per minute;100 per hour",
            "Login attempts (and password renewals) one client address may make. Benchmarks and tests that "
            "sign many people in from one address raise it instead of being throttled."),
    Setting("PROGRESS_RATE_LIMIT", "20 per minute",
            "Public progress look-ups (tracking number + query code) one client address may make."),
    Setting("LOGIN_ACCOUNT_RATE_LIMIT", "30 per hour",
            "Failed logins of one account from all addresses together; beyond it attempts are refused (429) "
            "except from the address the account last signed in from."),
    Setting("PASSWORD_HASH_TIME_COST", 3, "argon2id passes; hashes are upgraded at the next login when raised."),
    Setting("PASSWORD_HASH_MEMORY_KIB", 65536, "argon2id memory per hash, in KiB."),
    Setting("PASSWORD_MIN_LENGTH", 12,
            "Shortest password accepted (also needs 3 of 4 character classes, must not be a common password; "
            "api/passwords.py)."),
    Setting("PASSWORD_HISTORY", 5, "A new password may not be any of the account's last this many (等保三级)."),
    Setting("SECOND_FACTOR_KEY", "",
            "Seals the administrators' TOTP secrets in the database (AES-256-GCM; api/sealing.py); held outside "
            "the database. Empty: the file SECOND_FACTOR_KEY_FILE, made on first use. Every web worker and the "
            "CLI need the same key: set it on every host of a production installation. Losing it means every "
            "administrator enrols again."),
    Setting("SECOND_FACTOR_KEY_FILE", "",
            "Where the generated second-factor key is kept; empty: 'second_factor_key' in the instance folder."),
    Setting("SECOND_FACTOR_ISSUER", "yiwang",
            "The name authenticator apps show beside an administrator's codes (the otpauth issuer)."),
    Setting("COOKIE_SECURE", "auto",
            "Send the session cookie over HTTPS only; 'auto' means yes in production, no when embedded."),
    Setting("TRUSTED_PROXIES", 0,
            "Reverse proxies in front of the service whose X-Forwarded-For is believed (audit source address)."),
    Setting("MAX_UPLOAD_MB", 20, "Largest request body (BPMN, bundle zip, form) accepted."),
    Setting("IDEMPOTENCY_HOURS", 24,
            "How long an Idempotency-Key is remembered (starting or opening a case, correlating a message); "
            "afterwards the same key acts again."),
    Setting("MAX_IN_FLIGHT", 16,
            "Requests one process works on at once; more are answered 503 with Retry-After straight away "
            "instead of queueing for a database connection. Twice the threads of `yiwang serve` (8) and about "
            "the database pool (5 + 10 overflow): gthread workers with up to 16 threads never reach it; servers "
            "that hand every waiting request to the app (threaded, gevent) are held to what the pool can serve. "
            "0 turns the limit off."),
    Setting("RETRY_AFTER_SECONDS", 2,
            "What a 503 (too many requests at once, database busy or unreachable) asks clients to wait before "
            "retrying."),
    Setting("AUDIT_KEY", "",
            "Keys the audit chain (HMAC-SHA256); held outside the database. Empty: the file AUDIT_KEY_FILE, "
            "made on first use. Every web worker, `yiwang worker` and CLI writing or verifying the trail needs "
            "the same key: set it on every host of a production installation."),
    Setting("AUDIT_KEY_FILE", "", "Where the generated chain key is kept; empty: 'audit_key' in the instance folder."),
    Setting("AUDIT_ANCHOR_DIR", "",
            "Where signed checkpoints of the chain's head are appended (one file per chain), which "
            "`yiwang audit verify` checks; put it where the database's users cannot write (another host's "
            "mount, WORM storage). Empty: 'audit-anchors' in the instance folder."),
    Setting("AUDIT_ANCHOR_KEY_FILE", "",
            "The Ed25519 key (PKCS#8 PEM) signing the checkpoints; made on first use. Empty: "
            "'audit-anchor-key.pem' in the instance folder."),
    Setting("DATA_KEYS", "",
            "The keys sealing personal identifiers in stored cases, drafts, history and licences (AES-256-GCM "
            "or SM4-GCM), as the JSON document described in api/data_keys.py; held outside the database and "
            "its backups. Empty: the file DATA_KEY_FILE, made on first use. Every web worker, `yiwang worker` "
            "and CLI needs the same keys: set it on every host of a production installation."),
    Setting("DATA_KEY_FILE", "", "Where the generated data keys are kept; empty: 'data_keys.json' in the instance "
                                 "folder."),
    Setting("DATA_CIPHER", "aes-256-gcm",
            "Algorithm of the data keys made here (first use, `yiwang data-keys rotate`): aes-256-gcm, or "
            "sm4-gcm (GB/T 32907 in GCM mode) where national algorithms are required. Keys of both kinds may "
            "be in use at once; each sealed value names its key."),
    Setting("MATERIALS_DIR", "",
            "Where uploaded application materials are kept, named by their SHA-256; empty: 'materials' in "
            "the instance folder. Every web worker must see the same directory."),
)

DEFAULTS = {s.name: s.default for s in SETTINGS}


class ConfigError(RuntimeError):
    """A setting is missing or wrong; start-up stops with this message."""


def load(environ=None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then ``YIWANG_<KEY>`` environment variables, then ``overrides``."""
    environ = os.environ if environ is None else environ
    values = dict(DEFAULTS)
    for setting in SETTINGS:
        raw = environ.get(f"YIWANG_{setting.name}")
        if raw is not None:
            values[setting.name] = _coerce(setting, raw)
    values.update({k: v for k, v in (overrides or {}).items() if k in DEFAULTS})
    return values


def _coerce(setting: Setting, raw: str) -> Any:
    if isinstance(setting.default, int) and not isinstance(setting.default, bool):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"YIWANG_{setting.name}={raw!r} is not a whole number") from None
    return raw


def is_production(values: dict[str, Any], database_url: str) -> bool:
    mode = values["DEPLOYMENT"]
    if mode not in {"auto", "embedded", "production"}:
        raise ConfigError(f"YIWANG_DEPLOYMENT must be auto, embedded or production, not {mode!r}")
    if mode == "auto":
        return not database_url.startswith("sqlite")
    return mode == "production"


def secret_key(values: dict[str, Any], production: bool, instance_path: str) -> str:
    """The configured secret; embedded installations get a generated one, kept on disk."""
    if values["SECRET_KEY"]:
        if len(values["SECRET_KEY"]) < 32:
            raise ConfigError("YIWANG_SECRET_KEY must be at least 32 characters long")
        return values["SECRET_KEY"]
    if production:
        raise ConfigError(
            "YIWANG_SECRET_KEY is not set. A production deployment (PostgreSQL, or "
            "YIWANG_DEPLOYMENT=production) needs a secret shared by every worker, e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made earlier, or by a sibling process just now
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def cookie_secure(values: dict[str, Any], production: bool) -> bool:
    raw = str(values["COOKIE_SECURE"]).lower()
    if raw == "auto":
        return production
    return raw in {"1", "true", "yes"}
