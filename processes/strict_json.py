"""Reading the JSON files of a bundle strictly: what Python's json module lets through, we do not.

Refused, each as a :class:`~processes.item_errors.Problem` naming the file and
(where there is one) the JSON pointer: bytes that are not UTF-8, a byte order
mark, ``NaN`` / ``Infinity`` (not JSON), the same key twice in one object (the
last would silently win), and documents nested deeper than :data:`MAX_DEPTH`.
"""

from __future__ import annotations

import json
from typing import Any

from forms.pointer import escape

from .item_errors import Problem

MAX_DEPTH = 64


class _Object(dict):
    """An object as parsed, remembering keys that appeared more than once."""

    duplicates: tuple[str, ...] = ()


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object()
    seen: list[str] = []
    for key, value in pairs:
        if key in obj:
            seen.append(key)
        obj[key] = value
    obj.duplicates = tuple(dict.fromkeys(seen))
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(content: bytes, file: str) -> tuple[Any, list[Problem]]:
    """Parse ``content``; returns (document as plain dicts and lists, problems).

    The document is None when it could not be read at all.
    """
    if content.startswith(b"\xef\xbb\xbf"):
        return None, [Problem("json-invalid", "starts with a byte order mark; save it as UTF-8 without BOM",
                              file=file, pointer="")]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, [Problem("json-invalid", f"not UTF-8 (byte {err.start})", file=file, pointer="")]
    try:
        raw = json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        return None, [Problem("json-invalid", f"not JSON: {err.msg} at line {err.lineno} column {err.colno}",
                              file=file, pointer="", line=err.lineno)]
    except (ValueError, RecursionError) as err:
        return None, [Problem("json-invalid", f"not JSON: {err}", file=file, pointer="")]
    problems: list[Problem] = []
    return _plain(raw, "", 0, file, problems), problems


def _plain(value: Any, pointer: str, depth: int, file: str, problems: list[Problem]) -> Any:
    """Turn parsed objects into plain dicts, reporting duplicate keys and excessive depth."""
    if depth > MAX_DEPTH:
        problems.append(Problem("json-too-deep", f"nested deeper than {MAX_DEPTH} levels", file=file,
                                pointer=pointer))
        return None
    if isinstance(value, dict):
        for key in getattr(value, "duplicates", ()):
            problems.append(Problem("json-duplicate-key", f"key {key!r} is given more than once", file=file,
                                    pointer=f"{pointer}/{escape(key)}"))
        return {k: _plain(v, f"{pointer}/{escape(k)}", depth + 1, file, problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, f"{pointer}/{i}", depth + 1, file, problems) for i, v in enumerate(value)]
    return value
