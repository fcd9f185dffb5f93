"""Request bodies are read as JSON with bounded nesting (see :func:`init_app`).

Python's ``json`` module recurses once per level: a body nested 100,000 deep raises
``RecursionError`` inside the parser, and one a little under a thousand deep is parsed
but breaks whatever walks it next (marshmallow, jsonschema, ``json.dumps``, the
workflow serializer). Every body is therefore measured right after parsing, without
recursion (:func:`forms.bounds.measure`), and refused beyond :data:`MAX_DEPTH` levels
with a 400 problem naming where, before anything else sees it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from forms import bounds
from forms.pointer import to_pointer

from .errors import NestedTooDeep

# Objects and arrays inside each other; service item files in a bundle allow as many.
MAX_DEPTH = 64
_ONLY_DEPTH = bounds.Limits(max_depth=MAX_DEPTH, max_nodes=10**9, max_string=10**10, max_chars=10**12)


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing documents nested deeper than :data:`MAX_DEPTH`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            document = super().loads(s, **kwargs)
        except RecursionError:
            raise NestedTooDeep(f"the JSON body is nested deeper than {MAX_DEPTH} levels",
                                limit=MAX_DEPTH) from None
        excess = bounds.measure(document, _ONLY_DEPTH)
        if excess is not None:
            raise NestedTooDeep(f"the JSON body is nested deeper than {MAX_DEPTH} levels", limit=MAX_DEPTH,
                                pointer=to_pointer(list(excess.path)))
        return document


def init_app(app: Flask) -> None:
    """Read every JSON body of ``app`` through :class:`BoundedJSONProvider`."""
    provider = BoundedJSONProvider(app)
    provider.ensure_ascii = False
    provider.sort_keys = False
    app.json = provider
