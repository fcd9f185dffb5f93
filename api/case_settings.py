"""What the case endpoints need from the running app: the clock, the case settings, the licence signer.

The case use cases (:mod:`processes`) never read the wall clock; the web service
hands them :func:`now`. Each is built once per app, on first use, and kept in
``app.extensions``; a test may put its own there before the first request:

* ``yiwang_clock``: a callable returning an aware datetime (default: the wall clock);
* ``yiwang_case_config``: a :class:`processes.case_config.CaseConfig` (default: from
  ``YIWANG_*``; a relative ``licence_key_file`` lives in the app's instance folder,
  beside the generated secret key).
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime

from flask import current_app

from engine.models import utcnow
from processes.case_config import CaseConfig
from processes.case_errors import LicenceKeyMissing
from processes.licences import LicenceSigner

CLOCK = "yiwang_clock"
CONFIG = "yiwang_case_config"
SIGNER = "yiwang_licence_signer"


def now() -> datetime:
    return current_app.extensions.get(CLOCK, utcnow)()


def case_config() -> CaseConfig:
    extensions = current_app.extensions
    if CONFIG not in extensions:
        config = CaseConfig.from_env()
        if not config.licence_signing_key and config.licence_key_file:
            if current_app.config.get("PRODUCTION") and "YIWANG_LICENCE_KEY_FILE" not in os.environ:
                # Workers on several hosts must share one key: a generated file would differ per host.
                config = replace(config, licence_key_file="")
            elif not os.path.isabs(config.licence_key_file):
                os.makedirs(current_app.instance_path, exist_ok=True)
                config = replace(config, licence_key_file=os.path.join(current_app.instance_path,
                                                                       config.licence_key_file))
        extensions[CONFIG] = config
    return extensions[CONFIG]


def signer() -> LicenceSigner:
    """The e-licence signer; 503 (LicenceKeyMissing) when production has no key configured."""
    extensions = current_app.extensions
    if SIGNER not in extensions:
        config = case_config()
        if not config.licence_signing_key and not config.licence_key_file:
            raise LicenceKeyMissing("no e-licence signing key: set YIWANG_LICENCE_SIGNING_KEY (PKCS#8 PEM)")
        extensions[SIGNER] = LicenceSigner.from_config(config)
    return extensions[SIGNER]
