"""What a file is, judged by its content (magic bytes), never by its name or a header.

The catalogue only accepts a handful of document types, so a short signature
table says more than a general-purpose detector would: it knows OFD (GB/T 33190,
the Chinese fixed-layout format, a ZIP with ``OFD.xml`` at the top) and tells it
apart from Office documents by the ZIP's entry names. ZIP files are read through
their central directory only; nothing is decompressed.
"""

from __future__ import annotations

import zipfile
from typing import BinaryIO

# Short names used in ``x-material.formats`` and their media types.
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "ofd": "application/ofd",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# File-name extensions that name each type; an upload's name must end in one of its type's.
EXTENSIONS = {
    "pdf": ("pdf",),
    "ofd": ("ofd",),
    "png": ("png",),
    "jpeg": ("jpg", "jpeg"),
    "docx": ("docx",),
    "xlsx": ("xlsx",),
}

_SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
)
_EXECUTABLES = (
    b"MZ",  # Windows PE
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O, both byte orders and widths
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts
)
_ZIP = b"PK\x03\x04"
HEAD_BYTES = 16


def is_executable(head: bytes) -> bool:
    """Whether the first bytes are those of a program or script."""
    return any(head.startswith(magic) for magic in _EXECUTABLES)


def _zip_kind(stream: BinaryIO) -> str | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return "macro"  # macro-enabled Office documents are refused
    if "OFD.xml" in names:
        return "ofd"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def detect(stream: BinaryIO) -> str | None:
    """Return the short type name (``pdf``, ``ofd`` ...) of a seekable file, or None.

    Returns ``"executable"`` or ``"macro"`` for content that must never be accepted.
    The stream position is left at the start.
    """
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    if is_executable(head):
        return "executable"
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    if head.startswith(_ZIP):
        kind = _zip_kind(stream)
        stream.seek(0)
        return kind
    return None


def name_fits(filename: str, kind: str) -> bool:
    """Whether the file name ends in an extension of ``kind`` (``合同.PDF`` fits ``pdf``; ``合同``
    and ``合同.pdf.exe`` do not)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else None
    return extension in EXTENSIONS.get(kind, ())
