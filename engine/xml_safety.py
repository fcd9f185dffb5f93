"""Hardened XML parsing for uploaded BPMN and DMN documents.

Every document a user uploads goes through :func:`parse_xml` before SpiffWorkflow
sees it (``BpmnParser.add_bpmn_xml`` / ``add_dmn_xml`` accept the parsed tree).
The parse is done twice over the same bytes:

1. a scan with a parser *target* that only counts element depth and refuses any
   ``<!DOCTYPE``. libxml2 reports the doctype before it reads the internal
   subset, so entity declarations (external files, parameter entities, "billion
   laughs") are refused before anything is declared, let alone expanded;
2. the real parse into an element tree, with entity resolution, DTD loading and
   network access switched off, keeping line numbers for error messages.

BPMN never needs a DTD, so refusing all of them costs nothing.
"""

from __future__ import annotations

import re

from lxml import etree

from .errors import XmlRejected

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_DEPTH = 200

# An XML declaration naming an encoding, at the very start of a str document.
_STR_DECLARATION = re.compile(r"""\A\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


# lxml repeats the position at the end of its message; it is in the context already.
_POSITION_SUFFIX = re.compile(r",\s*line \d+, column \d+\s*$")


class _DoctypeFound(Exception):
    def __init__(self, name: str | None, system_url: str | None) -> None:
        super().__init__(name)
        self.name = name
        self.system_url = system_url


class _TooDeep(Exception):
    pass


class _ScanTarget:
    """Parser target for the first pass: refuses a doctype, watches the depth."""

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        self.depth = 0

    def doctype(self, name, public_id, system_url) -> None:
        raise _DoctypeFound(name, system_url)

    def start(self, tag, attrib, nsmap=None) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            raise _TooDeep()

    def end(self, tag) -> None:
        self.depth -= 1

    def close(self) -> None:
        return None


def _parser_options() -> dict:
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "huge_tree": False,
    }


def parse_xml(
    data: bytes | str,
    filename: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> etree._Element:
    """Parse an uploaded XML document, refusing anything that could hurt the server.

    Comments and processing instructions are dropped; ``sourceline`` of every
    element is kept.

    Args:
        data: The document as bytes; its XML declaration or BOM names the
            encoding (UTF-8 when there is none). A ``str`` is accepted too and is
            encoded as UTF-8, so a ``str`` whose declaration names any other
            encoding is refused: pass the original bytes instead.
        filename: Used only in error context.
        max_bytes: Larger documents are refused before parsing.
        max_depth: Deeper element nesting is refused (libxml2 itself stops at 256).

    Returns:
        The root element.

    Raises:
        XmlRejected: Too big, too deep, has a DOCTYPE, or is not well-formed XML;
            ``context`` carries ``file`` and, where known, ``line`` and ``column``.
    """
    data = _as_bytes(data, filename)
    if len(data) > max_bytes:
        raise XmlRejected(
            f"document is {len(data)} bytes, more than the {max_bytes} allowed",
            file=filename,
            size=len(data),
            limit=max_bytes,
        )
    _scan(data, filename, max_depth)
    parser = etree.XMLParser(remove_comments=True, remove_pis=True, **_parser_options())
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        raise _malformed(err, filename) from None
    if root is None:
        raise XmlRejected("document has no root element", file=filename)
    return root


def _as_bytes(data: bytes | str, filename: str | None) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        declared = _STR_DECLARATION.match(data)
        if declared and declared.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise XmlRejected(
                f"text declares encoding {declared.group(1)!r}; pass the document as bytes",
                file=filename,
            )
        return data.encode("utf-8")
    raise TypeError(f"parse_xml expects bytes or str, not {type(data).__name__}")


def _scan(data: bytes, filename: str | None, max_depth: int) -> None:
    """First pass: refuse a DOCTYPE and over-deep nesting without building a tree."""
    target = _ScanTarget(max_depth)
    parser = etree.XMLParser(target=target, **_parser_options())
    try:
        etree.fromstring(data, parser)
    except _DoctypeFound as found:
        raise XmlRejected(
            "document type declarations (<!DOCTYPE ...>) are not allowed",
            file=filename,
            doctype=found.name,
            system_id=found.system_url,
        ) from None
    except _TooDeep:
        raise XmlRejected(
            f"elements are nested more than {max_depth} deep",
            file=filename,
            limit=max_depth,
        ) from None
    except etree.XMLSyntaxError as err:
        raise _malformed(err, filename) from None


def _malformed(err: etree.XMLSyntaxError, filename: str | None) -> XmlRejected:
    line, column = err.position if err.position else (err.lineno, None)
    message = _POSITION_SUFFIX.sub("", err.msg or "syntax error")
    return XmlRejected(
        f"not well-formed XML: {message}",
        file=filename,
        line=line or None,
        column=column or None,
    )
