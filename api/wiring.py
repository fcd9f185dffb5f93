"""Builds the engine the way every yiwang process needs it: web app, CLI and workers.

One place decides what is plugged into the engine (forms, the installation's
working calendar, the supervision sweep, every package's tables and job handlers),
so a job runs the same in an rq worker as in the web process.
"""

from __future__ import annotations

from engine import task_lights
from engine.config import EngineConfig
from engine.environment import EngineEnv
from engine.sealing import DataProtector, Keyring
from forms.binding import FormBinding, PersonalDataRules

from . import data_keys

from .group_directory import GroupDirectory

# How often the scheduler queues the lights sweep over open cases (电子监察).
SUPERVISION_SWEEP_S = 600
LIGHT_COMPACTION_S = 60
# How often application drafts past their keeping time are deleted (processes/drafts.py).
DRAFT_PURGE_S = 3600


def register_tables_and_jobs() -> None:
    """Import every module that declares tables or job handlers."""
    import forms.models  # noqa: F401
    import processes.acceptance_models  # noqa: F401
    import processes.calendar_models  # noqa: F401
    import processes.catalogue  # noqa: F401
    import processes.decision_models  # noqa: F401
    import processes.drafts  # noqa: F401 - tables and job handlers
    import processes.licence_models  # noqa: F401
    import processes.rating_models  # noqa: F401
    import processes.smart_approval  # noqa: F401 - job handlers
    import processes.supervision  # noqa: F401 - job handlers
    import processes.supervision_models  # noqa: F401

    from . import audit_anchor  # noqa: F401 - job handlers
    from . import models  # noqa: F401


def build_env(config: EngineConfig, *, db_engine=None, create_schema: bool = True,
              materials_dir: str | None = None, keyring: Keyring | None = None) -> EngineEnv:
    """The engine as the API, the CLI and workers use it; ``materials_dir`` is the material store
    that submitted upload references are checked against (none: not checked); ``keyring`` seals
    personal data (default: the data keys the environment's settings name, api/data_keys.py)."""
    from forms.file_store import FileStore
    from processes.deadlines import load_calendar
    from processes import drafts
    from processes.supervision import SWEEP_JOB

    register_tables_and_jobs()
    files = FileStore(materials_dir) if materials_dir else None
    protector = DataProtector(keyring or data_keys.current(), PersonalDataRules())
    env = EngineEnv(config, db_engine=db_engine, forms=FormBinding(files=files), calendar=load_calendar,
                    groups=GroupDirectory(), protector=protector)
    env.periodic_jobs.append((SWEEP_JOB, SUPERVISION_SWEEP_S))
    # Folds the insert-only light counter rows into their totals (engine/task_lights.py).
    env.periodic_jobs.append((task_lights.COMPACT_JOB, LIGHT_COMPACTION_S))
    env.periodic_jobs.append((drafts.PURGE_JOB, DRAFT_PURGE_S))
    # Signed checkpoints of the audit chain's head, outside the database (api/audit_anchor.py).
    from .audit_anchor import CHECKPOINT_JOB, CHECKPOINT_S

    env.periodic_jobs.append((CHECKPOINT_JOB, CHECKPOINT_S))
    if create_schema:
        from engine.db import Base

        from .schema import ensure_schema

        ensure_schema(env.db_engine, Base.metadata)
    return env
