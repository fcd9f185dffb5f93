"""The engine's long-lived parts, built once per process (never at import time).

An :class:`EngineEnv` holds the database session factory, the spec and instance
caches, the script engine, the connector registry and the job dispatcher. The web
app, the CLI and workers each build one from an :class:`~engine.config.EngineConfig`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from .config import EngineConfig
from .connectors import ConnectorRegistry
from .calendar import WorkingCalendar
from .db import make_db_engine, make_session_factory
from .instance_cache import InstanceCache
from .sealing import DataProtector
from .script_engine import make_engine_script_engine
from .specs import SpecCache, make_registry
from .staffing import GroupService
from .state import StateCodec
from .unit_of_work import UnitOfWork



class FormService(Protocol):
    """What the engine needs from forms (implemented by :class:`forms.binding.FormBinding`)."""

    def known_keys(self, session) -> set[str]: ...

    def pin(self, session, form_keys: list[str]) -> dict[str, int]: ...

    def check(self, session, form_key: str, version: int | None, data: dict[str, Any],
              locale: str = "zh-CN", *, case_id: str | None = None,
              submitter: str | None = None) -> list[dict[str, Any]]: ...

    def attach_materials(self, session, form_key: str, version: int | None, data: dict[str, Any], *,
                         case_id: str, submitter: str | None) -> None: ...


class EngineEnv:
    def __init__(
        self,
        config: EngineConfig | None = None,
        *,
        db_engine: Engine | None = None,
        connectors: ConnectorRegistry | None = None,
        forms: FormService | None = None,
        calendar: Callable[[Any], WorkingCalendar] | None = None,
        groups: GroupService | None = None,
        protector: DataProtector | None = None,
    ) -> None:
        self.config = config or EngineConfig()
        self.db_engine = db_engine or make_db_engine(self.config.database_url)
        self.session_factory = make_session_factory(self.db_engine)
        self.registry = make_registry()
        self.codec = StateCodec(self.registry)
        self.specs = SpecCache(self.registry)
        # definition id -> DefinitionInfo; definitions are immutable, so never stale.
        self.definitions: dict[int, Any] = {}
        self.instances = InstanceCache(self.config.instance_cache_size)
        self.connectors = connectors or ConnectorRegistry.with_builtins()
        self.script_engine = make_engine_script_engine(self.config, self.connectors)
        # Without a form service, steps accept any JSON data (engine-only use).
        self.forms = forms
        # Group membership, for deploy's warnings about tasks that would reach no one (none: no warnings).
        self.groups = groups
        # session -> WorkingCalendar used for step deadlines (local holidays and
        # make-up days); the national calendar when not given.
        self.calendar = calendar or (lambda session: WorkingCalendar())
        # Seals personal identifiers in what is stored, opens them on load (engine/sealing.py);
        # without keys nothing is sealed (engine-only use), but sealed rows still need their keys.
        self.protector = protector or DataProtector()
        # Called as listener(uow, loaded, delta) inside every step's transaction,
        # after the instance is saved: how other packages follow cases (processes/).
        self.step_listeners: list[Callable[[Any, Any, Any], None]] = []
        # (job kind, interval seconds): queued by the scheduler tick at most once per interval.
        self.periodic_jobs: list[tuple[str, float]] = []
        from .jobs import make_dispatcher  # jobs imports runtime, which needs this module's types

        self.dispatcher = make_dispatcher(self)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self)

    def create_schema(self) -> None:
        """Create missing tables (embedded mode and tests; production runs Alembic)."""
        from . import models  # noqa: F401 - registers the tables

        models.Base.metadata.create_all(self.db_engine)

    def close(self) -> None:
        self.dispatcher.close()
        self.db_engine.dispose()
