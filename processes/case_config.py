"""Settings of the case services (receipts, supervision, e-licences), declared once with defaults.

``CaseConfig.from_env()`` reads ``YIWANG_<KEY>`` like :class:`engine.config.EngineConfig`,
so the web app, the CLI and workers see the same values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class CaseConfig:
    # Public address of the portal; the receipt's QR code opens <base>/progress/<tracking number>.
    # Empty: the address the request came to (right for `yiwang serve`; set it behind a proxy
    # that rewrites the host, so printed links never depend on a request's Host header).
    public_base_url: str = ""
    # Share of a time limit used after which a case or step shows a yellow light (red once overdue).
    yellow_share: float = 0.8
    # Ed25519 private key that signs e-licences, as PKCS#8 PEM text. Production sets it (from a
    # secret store); when empty the embedded default keeps a generated key in licence_key_file.
    licence_signing_key: str = ""
    # Where the embedded default keeps its generated development signing key (created on first use).
    licence_key_file: str = "yiwang-licence-key.pem"

    @classmethod
    def from_env(cls, environ=None, **overrides) -> CaseConfig:
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(f"YIWANG_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _coerce(f, raw)
        values.update(overrides)
        config = cls(**values)
        if not 0 < config.yellow_share < 1:
            raise ValueError(f"YIWANG_YELLOW_SHARE={config.yellow_share} must lie between 0 and 1")
        return config


def _coerce(f, raw: str):
    if f.type in ("float", float):
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"YIWANG_{f.name.upper()}={raw!r} is not a number") from None
    return raw
