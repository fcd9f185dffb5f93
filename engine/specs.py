"""Process specs: serialized once per deployed definition, cached per process.

Definitions are immutable, so a spec restored for definition ``id`` stays valid for
the life of the process; every worker keeps its own cache.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections import OrderedDict
from typing import Any

from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.event_definition import ErrorEscalationEventDefinitionConverter
from SpiffWorkflow.spiff.serializer.task_spec import (
    ScriptTaskConverter,
    ServiceTaskConverter,
    SpiffMultiInstanceConverter,
)

from .event_subprocess import EventSubprocessConverter, EventSubprocessSpec, ProcessEnd
from .multi_instance import CheckedParallelMultiInstance, CheckedSequentialMultiInstance
from .parser import DeferredScriptTask, DeferredServiceTask
from .scoped_events import ScopedErrorEventDefinition, ScopedEscalationEventDefinition


def make_registry():
    """SpiffWorkflow's converter registry, knowing our own task spec classes."""
    config = dict(SPIFF_CONFIG)
    config[DeferredServiceTask] = ServiceTaskConverter
    config[DeferredScriptTask] = ScriptTaskConverter
    config[EventSubprocessSpec] = EventSubprocessConverter
    config[ProcessEnd] = BpmnTaskSpecConverter
    config[ScopedErrorEventDefinition] = ErrorEscalationEventDefinitionConverter
    config[ScopedEscalationEventDefinition] = ErrorEscalationEventDefinitionConverter
    config[CheckedParallelMultiInstance] = SpiffMultiInstanceConverter
    config[CheckedSequentialMultiInstance] = SpiffMultiInstanceConverter
    return BpmnWorkflowSerializer.configure(config)


def dump_specs(registry, spec, subprocess_specs: dict[str, Any]) -> dict[str, Any]:
    return {
        "spec": registry.convert(spec),
        "subprocess_specs": {name: registry.convert(s) for name, s in subprocess_specs.items() if s},
    }


def load_specs(registry, stored: dict[str, Any]):
    spec = registry.restore(stored["spec"])
    subs = {name: registry.restore(s) for name, s in stored["subprocess_specs"].items()}
    return spec, subs


class SpecCache:
    """definition id -> (spec, subprocess specs), least recently used dropped first."""

    def __init__(self, registry, size: int = 512) -> None:
        self.registry = registry
        self.size = size
        self._items: OrderedDict[int, tuple[Any, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, definition_id: int, stored: Callable[[], dict[str, Any]]):
        """The specs of a definition; ``stored()`` is read only on a cache miss."""
        with self._lock:
            hit = self._items.get(definition_id)
            if hit is not None:
                self._items.move_to_end(definition_id)
                return hit
        loaded = load_specs(self.registry, stored())
        with self._lock:
            self._items[definition_id] = loaded
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return loaded
