"""Connectors: what a BPMN service task calls, by name.

A connector is a plain function ``(params: dict, data: dict) -> JSON-able result``.
Deployments name connectors (``yw:connector="licence.issue"``); only registered
names can run, so uploaded BPMN cannot reach anything an operator did not install.
A connector signals a failure worth retrying by raising any exception; the engine
turns it into an incident with backoff.

Calls are at least once: a job whose worker died after the remote system acted runs
again. A connector that takes a keyword argument ``call`` gets a :class:`ConnectorCall`
whose ``idempotency_key`` is the same on every attempt of one service task, to hand
to the remote system so it can recognise the repeat (e.g. as an ``Idempotency-Key``
header or a request id).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import EngineError

Connector = Callable[[dict[str, Any], dict[str, Any]], Any]


class UnknownConnector(EngineError):
    code = "unknown-connector"


@dataclass(frozen=True)
class ConnectorCall:
    """Which service task is calling; the same on every attempt of that task."""

    task_id: str
    element_id: str

    @property
    def idempotency_key(self) -> str:
        return self.task_id


class ConnectorRegistry:
    def __init__(self) -> None:
        self._connectors: dict[str, Connector] = {}
        self._wants_call: dict[str, bool] = {}

    @classmethod
    def with_builtins(cls) -> "ConnectorRegistry":
        registry = cls()
        registry.register("echo", _echo)
        return registry

    def register(self, name: str, connector: Connector) -> None:
        self._connectors[name] = connector
        self._wants_call[name] = _takes_call(connector)

    def names(self) -> set[str]:
        return set(self._connectors)

    def call(self, name: str, params: dict[str, Any], data: dict[str, Any],
             call: ConnectorCall | None = None) -> Any:
        connector = self._connectors.get(name)
        if connector is None:
            raise UnknownConnector("no connector with this name is installed", connector=name)
        if self._wants_call.get(name):
            return connector(params, data, call=call)
        return connector(params, data)


def _takes_call(connector: Connector) -> bool:
    try:
        parameters = inspect.signature(connector).parameters
    except (TypeError, ValueError):  # some builtins have no signature
        return False
    return "call" in parameters


def _echo(params: dict[str, Any], data: dict[str, Any]) -> Any:
    """Returns its parameters: lets a process be tried before the real system exists."""
    return params
