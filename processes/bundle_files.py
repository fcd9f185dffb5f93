"""Reading and writing service item bundles: a folder or a zip of item.json, BPMN/DMN and forms.

Layout (a zip may wrap it all in one top folder)::

    item.json                 catalogue data and materials (format "yiwang-item/1")
    <name>.bpmn               the process (one or more files)
    <name>.dmn                decision tables, if any
    forms/<form key>.json     {"schema": {...}, "ui_schema": {...}} per form

A zip is untrusted input: its size, entry count, each entry's size and
compression ratio and the total unpacked size are bounded (zip bombs); entry
names must be plain relative paths (no absolute paths, drive letters, ``..``,
backslashes, NUL or control characters: zip-slip); symlinks, encrypted entries,
duplicate names and unusual compression methods are refused. Nothing is ever
written to disk. Every problem names the entry it is about.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .item_errors import BundleRejected, Problem
from .item_models import ITEM_FILE
from .strict_json import parse_json

FORMS_DIR = "forms"
PROCESS_SUFFIXES = (".bpmn", ".dmn")
_FORM_NAME = re.compile(r"forms/([A-Za-z_][A-Za-z0-9_.-]{0,199})\.json")
_DRIVE = re.compile(r"^[A-Za-z]:")
_IGNORED = ("__MACOSX/",)
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Limits:
    """Bounds on what a bundle may unpack to (defaults fit a large item with room to spare)."""

    max_zip_bytes: int = 20 * 1024 * 1024
    max_entries: int = 200
    max_entry_bytes: int = 5 * 1024 * 1024
    max_total_bytes: int = 40 * 1024 * 1024
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 4096  # tiny files compress oddly; judge the ratio above this size


DEFAULT_LIMITS = Limits()


@dataclass
class Bundle:
    """A bundle's content as read: item.json parsed, BPMN/DMN as bytes, forms parsed."""

    item: Any = None
    files: dict[str, bytes] = field(default_factory=dict)
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)


# -- reading --------------------------------------------------------------------------
def read_zip(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Bundle:
    """Read a bundle zip without trusting it.

    Raises:
        BundleRejected: listing every unsafe or unexpected entry (nothing is unpacked to disk).
    """
    if len(data) > limits.max_zip_bytes:
        _reject(f"the zip is {len(data)} bytes; at most {limits.max_zip_bytes} are accepted", "zip-too-large")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as err:
        _reject(f"not a readable zip file: {err}", "zip-invalid")
    if len(entries) > limits.max_entries:
        _reject(f"the zip holds {len(entries)} entries; at most {limits.max_entries} are accepted", "zip-too-many")
    problems = [p for entry in entries for p in entry_problems(entry, limits)]
    declared = sum(e.file_size for e in entries)
    if declared > limits.max_total_bytes:
        problems.append(Problem("zip-bomb", f"the entries unpack to {declared} bytes; at most "
                                f"{limits.max_total_bytes} are accepted", pointer=""))
    names = [e.orig_filename for e in entries]
    problems += [Problem("zip-duplicate", "the zip holds two entries with this name", file=n)
                 for n in sorted({n for n in names if names.count(n) > 1})]
    if problems:
        raise BundleRejected("the zip is not a safe bundle", problems)
    contents, total = {}, 0
    for entry in entries:
        if entry.is_dir():
            continue
        content = _read_entry(archive, entry, limits)
        total += len(content)
        if total > limits.max_total_bytes:
            _reject(f"the entries unpack to more than {limits.max_total_bytes} bytes", "zip-bomb", entry.filename)
        contents[entry.filename] = content
    return classify(contents)


def entry_problems(entry: zipfile.ZipInfo, limits: Limits) -> list[Problem]:
    """Why an entry is unsafe: its name, its kind, its size or its compression."""
    name, problems = entry.orig_filename, []  # orig_filename keeps what follows a NUL

    def refuse(code: str, message: str) -> None:
        problems.append(Problem(code, message, file=name.replace("\0", "\\0")))

    if (message := unsafe_name(name)) is not None:
        refuse("zip-slip", message)
    mode = entry.external_attr >> 16
    if stat.S_ISLNK(mode):
        refuse("zip-symlink", "is a symbolic link; a bundle holds plain files only")
    if entry.flag_bits & 0x1:
        refuse("zip-encrypted", "is encrypted")
    if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        refuse("zip-compression", "uses a compression method other than stored or deflate")
    if entry.file_size > limits.max_entry_bytes:
        refuse("zip-bomb", f"unpacks to {entry.file_size} bytes; at most {limits.max_entry_bytes} per file")
    elif entry.file_size > limits.ratio_floor_bytes:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if ratio > limits.max_ratio:
            refuse("zip-bomb", f"compresses {ratio:.0f}:1; at most {limits.max_ratio:.0f}:1 is accepted")
    return problems


def unsafe_name(name: str) -> str | None:
    """Why an entry name could escape or confuse the bundle (zip-slip), or None when it is plain."""
    if "\0" in name:
        return "the name contains a NUL character"
    if "\\" in name:
        return "the name uses backslashes; use '/'"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return "the name contains control characters"
    if name.startswith("/") or _DRIVE.match(name):
        return "the name is an absolute path"
    parts = name.rstrip("/").split("/")
    if ".." in parts:
        return "the name climbs out of the bundle with '..'"
    if any(p in ("", ".") for p in parts):
        return "the name has an empty or '.' segment"
    if len(name) > 255:
        return "the name is longer than 255 characters"
    return None


def _read_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limits: Limits) -> bytes:
    # Read at most one byte past the limit: a header that lies about the size cannot make us unpack more.
    try:
        with archive.open(entry) as stream:
            content = stream.read(limits.max_entry_bytes + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as err:
        _reject(f"cannot be read: {err}", "zip-invalid", entry.filename)
    if len(content) > limits.max_entry_bytes:
        _reject(f"unpacks to more than {limits.max_entry_bytes} bytes", "zip-bomb", entry.filename)
    return content


def read_folder(path: str | os.PathLike, limits: Limits = DEFAULT_LIMITS) -> Bundle:
    """Read a bundle folder; symlinks and oversized files are refused like in a zip."""
    base = Path(path)
    if not base.is_dir():
        _reject(f"{os.fspath(path)!r} is not a folder", "bundle-not-found")
    contents, problems, total = {}, [], 0
    for folder, dirs, files in os.walk(base, followlinks=False):
        for name in sorted([*dirs, *files]):
            full = Path(folder) / name
            relative = full.relative_to(base).as_posix()
            if full.is_symlink():
                problems.append(Problem("bundle-symlink", "is a symbolic link; a bundle holds plain files only",
                                        file=relative))
            elif full.is_file():
                size = full.stat().st_size
                if size > limits.max_entry_bytes:
                    problems.append(Problem("bundle-too-large", f"is {size} bytes; at most {limits.max_entry_bytes}",
                                            file=relative))
                    continue
                total += size
                contents[relative] = full.read_bytes()
        if len(contents) > limits.max_entries or total > limits.max_total_bytes:
            _reject("the folder holds too many or too large files for a bundle", "bundle-too-large")
    if problems:
        raise BundleRejected("the folder is not a bundle", problems)
    return classify(contents)


def classify(contents: dict[str, bytes]) -> Bundle:
    """Sort files into item.json, processes and forms; refuse anything else."""
    contents = {n: c for n, c in contents.items()
                if not n.startswith(_IGNORED) and not n.rsplit("/", 1)[-1].startswith(".")}
    contents = _unwrapped(contents)
    bundle, problems = Bundle(), []
    for name, content in sorted(contents.items()):
        form = _FORM_NAME.fullmatch(name)
        if name == ITEM_FILE:
            bundle.item, found = parse_json(content, name)
            problems += found
        elif form:
            document, found = parse_json(content, name)
            problems += found or _form_shape(document, name)
            if not found and isinstance(document, dict):
                bundle.forms[form.group(1)] = {"schema": document.get("schema"), "ui_schema": document.get("ui_schema")}
        elif "/" not in name and name.lower().endswith(PROCESS_SUFFIXES):
            try:
                content.decode("utf-8")
            except UnicodeDecodeError as err:
                problems.append(Problem("xml-not-utf8", f"not UTF-8 (byte {err.start}); save it as UTF-8", file=name))
            bundle.files[name] = content
        else:
            problems.append(Problem("bundle-unexpected-file", "not part of a bundle: expected item.json, *.bpmn, "
                                    "*.dmn or forms/<form key>.json", file=name))
    if ITEM_FILE not in contents:
        problems.append(Problem("bundle-no-item", "the bundle has no item.json", file=ITEM_FILE))
    if not any(n.lower().endswith(".bpmn") for n in bundle.files):
        problems.append(Problem("bundle-no-process", "the bundle has no .bpmn file"))
    if problems:
        raise BundleRejected("the bundle cannot be read", problems)
    return bundle


def _unwrapped(contents: dict[str, bytes]) -> dict[str, bytes]:
    """Drop one top folder that wraps everything (a zipped folder), if item.json is not at the top."""
    if ITEM_FILE in contents or not contents:
        return contents
    tops = {name.split("/", 1)[0] for name in contents}
    if len(tops) != 1 or FORMS_DIR in tops or any("/" not in name for name in contents):
        return contents
    cut = len(tops.pop()) + 1
    return {name[cut:]: content for name, content in contents.items()}


def _form_shape(document: Any, name: str) -> list[Problem]:
    if not isinstance(document, dict):
        return [Problem("form-file-invalid", "a form file is a JSON object", file=name, pointer="")]
    problems = [Problem("form-file-invalid", f"unknown key {key!r}: a form file holds schema and ui_schema",
                        file=name, pointer=f"/{key}") for key in document if key not in ("schema", "ui_schema")]
    if not isinstance(document.get("schema"), dict):
        problems.append(Problem("form-file-invalid", "schema must be a JSON object", file=name, pointer="/schema"))
    if document.get("ui_schema") is not None and not isinstance(document["ui_schema"], dict):
        problems.append(Problem("form-file-invalid", "ui_schema must be an object or null", file=name,
                                pointer="/ui_schema"))
    return problems


def _reject(message: str, code: str, file: str | None = None) -> None:
    raise BundleRejected(message, [Problem(code, message, file=file)])


# -- writing ---------------------------------------------------------------------------
def write_zip(bundle: Bundle) -> bytes:
    """The bundle as a zip; the same content always gives the same bytes."""
    entries = {ITEM_FILE: _json_bytes(bundle.item)}
    entries.update(bundle.files)
    for key, form in bundle.forms.items():
        document = {"schema": form["schema"]}
        if form.get("ui_schema") is not None:
            document["ui_schema"] = form["ui_schema"]
        entries[f"{FORMS_DIR}/{key}.json"] = _json_bytes(document)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, entries[name])
    return out.getvalue()


def _json_bytes(document: Any) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
