"""The script engine given to every workflow: safe expressions, sandboxed scripts, connectors."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from .config import EngineConfig
from .connectors import ConnectorCall, ConnectorRegistry
from .expressions import SafeScriptEnvironment
from .sandbox import run_script


class EngineScriptEngine(PythonScriptEngine):
    """Evaluates through the allow-listed environment; service tasks call connectors."""

    def __init__(self, environment, connectors: ConnectorRegistry) -> None:
        super().__init__(environment=environment)
        self.connectors = connectors

    def call_service(self, task, operation_name=None, operation_params=None, **_: Any) -> str:
        params = {name: p.get("value") for name, p in (operation_params or {}).items()}
        call = ConnectorCall(task_id=str(task.id), element_id=task.task_spec.bpmn_id)
        result = self.connectors.call(operation_name, params, dict(task.data), call=call)
        # SpiffWorkflow's ServiceTask json.loads what we return.
        return json.dumps(result, ensure_ascii=False, default=str)


def make_engine_script_engine(config: EngineConfig, connectors: ConnectorRegistry) -> EngineScriptEngine:
    runner = None
    if config.scripts_enabled:
        runner = partial(run_script, timeout_s=config.script_timeout_s, memory_mb=config.script_memory_mb)
    environment = SafeScriptEnvironment(script_runner=runner)
    return EngineScriptEngine(environment, connectors)
