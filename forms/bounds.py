"""Size and depth limits for JSON documents, checked without recursion.

Everything that walks a document recursively (jsonschema, ``json.dumps``) runs
only after these checks, so a 10,000-deep document is refused cleanly instead of
raising ``RecursionError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    """How big a document may be.

    Attributes:
        max_depth: nesting of objects and arrays.
        max_nodes: values of any kind, counted one by one.
        max_string: characters in one string (keys included).
        max_chars: characters in all strings together.
    """

    max_depth: int = 32
    max_nodes: int = 20_000
    max_string: int = 100_000
    max_chars: int = 2_000_000


@dataclass(frozen=True)
class Excess:
    """The first limit a document goes over: ``code`` is ``maxDepth`` or ``maxSize``."""

    code: str
    what: str
    limit: int
    path: tuple[str | int, ...] = ()


def _string_excess(text: str, limits: Limits, path) -> Excess | None:
    if len(text) > limits.max_string:
        return Excess("maxSize", "string", limits.max_string, tuple(path))
    return None


def measure(document: Any, limits: Limits) -> Excess | None:
    """Return how ``document`` exceeds ``limits``, or None when it fits."""
    stack: list[tuple[Any, int, tuple]] = [(document, 0, ())]
    nodes = chars = 0
    while stack:
        value, depth, path = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            return Excess("maxSize", "values", limits.max_nodes)
        if isinstance(value, str):
            chars += len(value)
            excess = _string_excess(value, limits, path)
        elif isinstance(value, dict | list):
            if depth >= limits.max_depth:
                return Excess("maxDepth", "depth", limits.max_depth, path)
            items = value.items() if isinstance(value, dict) else enumerate(value)
            excess = None
            for key, child in items:
                if isinstance(key, str):
                    chars += len(key)
                    excess = excess or _string_excess(key, limits, path)
                stack.append((child, depth + 1, path + (key,)))
        else:
            excess = None
        if excess:
            return excess
        if chars > limits.max_chars:
            return Excess("maxSize", "characters", limits.max_chars)
    return None
