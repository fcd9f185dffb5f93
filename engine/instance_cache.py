"""Recently used instances, kept deserialized between steps.

A cached workflow is trusted only when the instance row still has the version the
cache saw, so several processes can share a database safely. An entry is taken out
while a step works on it and put back only after that step committed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any


@dataclass
class CachedInstance:
    version: int
    workflow: Any
    fingerprint: dict


class InstanceCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, CachedInstance] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: str, version: int) -> CachedInstance | None:
        """Remove and return the entry if it matches ``version``; drop it if stale."""
        with self._lock:
            entry = self._items.pop(instance_id, None)
        if entry is not None and entry.version == version:
            return entry
        return None

    def put(self, instance_id: str, entry: CachedInstance) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[instance_id] = entry
            self._items.move_to_end(instance_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def discard(self, instance_id: str) -> None:
        with self._lock:
            self._items.pop(instance_id, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
