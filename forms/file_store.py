"""Content-addressed storage of uploaded materials.

A file is stored once under its SHA-256 (``<root>/ab/cd/abcd...``), so the same
scan uploaded twice takes the space of one and a reference can never point at
changed content. What a file *is* comes from its bytes (:mod:`forms.filetypes`);
its name is kept only in the reference, after checking it is a plain file name.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from forms import filetypes
from forms.errors import MaterialRejected
from forms.materials import DEFAULT_MAX_BYTES

CHUNK = 64 * 1024
MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class StoredFile:
    """A file in the store, as a form refers to it."""

    sha256: str
    size: int
    format: str
    name: str

    @property
    def media_type(self) -> str:
        return filetypes.MEDIA_TYPES[self.format]

    def reference(self) -> dict[str, Any]:
        """The material reference to put in form data (see :mod:`forms.materials`)."""
        return {
            "source": "upload",
            "sha256": self.sha256,
            "size": self.size,
            "format": self.format,
            "media_type": self.media_type,
            "name": self.name,
        }


def check_filename(name: Any) -> str:
    """Return ``name`` if it is a plain file name, else raise.

    Raises:
        MaterialRejected: empty, too long, a path (separators, ``..``) or control characters.
    """
    if not isinstance(name, str) or not name.strip() or name in (".", ".."):
        raise MaterialRejected("file name is empty", reason="bad-name")
    if len(name) > MAX_NAME_LENGTH:
        raise MaterialRejected("file name is too long", reason="bad-name", limit=MAX_NAME_LENGTH)
    if "/" in name or "\\" in name:
        raise MaterialRejected(
            "file name contains a path separator", reason="bad-name", filename=name
        )
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
        raise MaterialRejected(
            "file name contains control characters", reason="bad-name", filename=repr(name)
        )
    return name


class FileStore:
    """Uploaded files under ``root``, named by their SHA-256.

    Args:
        root: directory to keep files in (created on first upload).
        max_bytes: largest file accepted, whatever a material allows.
    """

    def __init__(self, root: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise MaterialRejected("not a SHA-256 digest", reason="bad-digest", sha256=sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        return self.path_of(sha256).open("rb")

    def verify(self, reference: dict[str, Any]) -> bool:
        """Whether an upload reference names a stored file of that size and type."""
        try:
            path = self.path_of(str(reference.get("sha256")))
        except MaterialRejected:
            return False
        if not path.is_file() or path.stat().st_size != reference.get("size"):
            return False
        with path.open("rb") as stream:
            return filetypes.detect(stream) == reference.get("format")

    def put(
        self,
        content: bytes | BinaryIO,
        filename: str,
        *,
        formats: Iterable[str] | None = None,
        max_bytes: int | None = None,
    ) -> StoredFile:
        """Check and store an upload; storing the same content again is harmless.

        Args:
            content: the bytes, or a binary stream read to its end.
            filename: the name the applicant gave; kept in the reference only.
            formats: accepted short type names (``pdf``, ``png`` ...); default all known.
            max_bytes: a tighter size limit, e.g. the material's ``max_bytes``.

        Raises:
            MaterialRejected: bad name, too big, empty, executable, or a type not accepted.
        """
        check_filename(filename)
        limit = min(self.max_bytes, max_bytes or self.max_bytes)
        stream = io.BytesIO(content) if isinstance(content, bytes | bytearray) else content
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=self.root / "tmp")
        try:
            with os.fdopen(handle, "w+b") as temp:
                digest, size = self._copy(stream, temp, limit, filename)
                kind = self._check_kind(temp, filename, formats)
            final = self.path_of(digest)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp_name, final)  # same content, same name: replacing is harmless
        finally:
            if os.path.exists(temp_name):
                os.unlink(temp_name)
        return StoredFile(sha256=digest, size=size, format=kind, name=filename)

    @staticmethod
    def _copy(stream: BinaryIO, temp: BinaryIO, limit: int, filename: str) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise MaterialRejected(
                    "file is larger than allowed",
                    reason="too-large",
                    filename=filename,
                    limit=limit,
                )
            digest.update(chunk)
            temp.write(chunk)
        if size == 0:
            raise MaterialRejected("file is empty", reason="empty", filename=filename)
        temp.flush()
        return digest.hexdigest(), size

    @staticmethod
    def _check_kind(temp: BinaryIO, filename: str, formats: Iterable[str] | None) -> str:
        kind = filetypes.detect(temp)
        accepted = tuple(formats) if formats is not None else tuple(filetypes.MEDIA_TYPES)
        if kind in ("executable", "macro"):
            raise MaterialRejected(
                "file content is a program or contains macros", reason="unsafe", filename=filename
            )
        if kind is None or kind not in accepted:
            raise MaterialRejected(
                "file type is not accepted",
                reason="type",
                filename=filename,
                detected=kind,
                accepted=", ".join(accepted),
            )
        # The name must say what the content is: a PDF named .exe or .html would be saved or opened
        # as a program or a web page by whoever downloads it.
        if not filetypes.name_fits(filename, kind):
            raise MaterialRejected(
                "file name does not match its content",
                reason="name-mismatch",
                filename=filename,
                detected=kind,
                expected=", ".join("." + e for e in filetypes.EXTENSIONS[kind]),
            )
        return kind
