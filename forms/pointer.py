"""JSON pointers (RFC 6901): how every problem in this package names its location."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from forms.errors import FormError


def escape(token: str | int) -> str:
    """Escape one reference token (``~`` and ``/`` are the only special characters)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def to_pointer(path: Iterable[str | int]) -> str:
    """Join path segments (property names and array indexes) into a pointer."""
    return "".join("/" + escape(token) for token in path)


def split(pointer: str) -> list[str]:
    """Split a pointer into unescaped tokens; ``""`` is the whole document.

    Raises:
        FormError: the text is not a JSON pointer.
    """
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise FormError("not a JSON pointer", pointer=pointer)
    return [unescape(token) for token in pointer[1:].split("/")]


def resolve(document: Any, pointer: str, default: Any = None) -> Any:
    """Return the value at ``pointer`` in ``document``, or ``default`` when absent."""
    node = document
    for token in split(pointer):
        if isinstance(node, dict):
            if token not in node:
                return default
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return default
    return node
