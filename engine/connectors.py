"""Connectors: what a BPMN service task calls, by name.

A connector is a plain function ``(params: dict, data: dict) -> JSON-able result``.
Deployments name connectors (``yw:connector="licence.issue"``); only registered
names can run, so uploaded BPMN cannot reach anything an operator did not install.
A connector signals a failure worth retrying by raising any exception; the engine
turns it into an incident with backoff.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import EngineError

Connector = Callable[[dict[str, Any], dict[str, Any]], Any]


class UnknownConnector(EngineError):
    code = "unknown-connector"


class ConnectorRegistry:
    def __init__(self) -> None:
        self._connectors: dict[str, Connector] = {}

    @classmethod
    def with_builtins(cls) -> "ConnectorRegistry":
        registry = cls()
        registry.register("echo", _echo)
        return registry

    def register(self, name: str, connector: Connector) -> None:
        self._connectors[name] = connector

    def names(self) -> set[str]:
        return set(self._connectors)

    def call(self, name: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        connector = self._connectors.get(name)
        if connector is None:
            raise UnknownConnector("no connector with this name is installed", connector=name)
        return connector(params, data)


def _echo(params: dict[str, Any], data: dict[str, Any]) -> Any:
    """Returns its parameters: lets a process be tried before the real system exists."""
    return params
