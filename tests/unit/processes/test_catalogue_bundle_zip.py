"""Bundles from zips and folders: untrusted input, refused entry by entry; strict JSON; stable export."""

from __future__ import annotations

import io
import json
import os
import stat
import warnings
import zipfile

import pytest

from catalogue_kit import application, bpmn, item
from processes.bundle_files import DEFAULT_LIMITS, Bundle, Limits, classify, read_folder, read_zip, write_zip
from processes.item_errors import BundleRejected
from processes.strict_json import parse_json


def good_entries() -> dict[str, bytes]:
    return {
        "item.json": json.dumps(item(), ensure_ascii=False).encode(),
        "permit.bpmn": bpmn(),
        "forms/app.json": json.dumps(application(), ensure_ascii=False).encode(),
    }


def make_zip(entries: dict[str, bytes] | list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names some tests need
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in (entries.items() if isinstance(entries, dict) else entries):
                archive.writestr(name, content)
    return out.getvalue()


def rejected(data: bytes, limits: Limits = DEFAULT_LIMITS) -> list[tuple[str, str | None]]:
    with pytest.raises(BundleRejected) as refused:
        read_zip(data, limits)
    return [(p.code, p.file) for p in refused.value.problems]


def test_a_good_zip_reads_into_item_process_and_forms():
    bundle = read_zip(make_zip(good_entries()))
    assert bundle.item["code"] == "340500-XK-TEST-001"
    assert list(bundle.files) == ["permit.bpmn"] and list(bundle.forms) == ["app"]


def test_a_zipped_folder_is_unwrapped():
    entries = {f"permit_bundle/{name}": content for name, content in good_entries().items()}
    assert list(read_zip(make_zip(entries)).forms) == ["app"]


@pytest.mark.parametrize("name", ["../item.json", "forms/../../etc/passwd", "/etc/passwd", "C:/x.bpmn",
                                  "forms\\..\\x.json", "forms//app.json", "./item.json", "forms/\x07.json"])
def test_entries_that_could_escape_the_bundle_are_refused_by_name(name):
    entries = [*good_entries().items(), (name, b"{}")]
    assert ("zip-slip", name) in rejected(make_zip(entries))


def test_a_name_hiding_text_after_a_nul_is_refused():
    info = zipfile.ZipInfo("forms/x.json")
    info.filename = "forms/x.json\0../../evil"  # zipfile itself cuts names at NUL when reading
    codes = rejected(make_zip([*good_entries().items(), (info, b"{}")]))
    assert ("zip-slip", "forms/x.json\\0../../evil") in codes


def encrypted(data: bytes, name: str) -> bytes:
    """Set the "encrypted" flag of an entry in its local header and its central directory record."""
    out, encoded = bytearray(data), name.encode()
    for signature, flags_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        start = out.find(signature)
        while start != -1:
            if out[start + name_at:start + name_at + len(encoded)] == encoded:
                out[start + flags_at] |= 0x1
            start = out.find(signature, start + 4)
    return bytes(out)


def test_symlinks_and_encrypted_entries_are_refused():
    link = zipfile.ZipInfo("forms/link.json")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    data = make_zip([*good_entries().items(), (link, b"/etc/passwd"), ("forms/secret.json", b"{}")])
    codes = rejected(encrypted(data, "forms/secret.json"))
    assert ("zip-symlink", "forms/link.json") in codes and ("zip-encrypted", "forms/secret.json") in codes


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = make_zip([*good_entries().items(), ("forms/bomb.json", b" " * (6 * 1024 * 1024))])
    assert ("zip-bomb", "forms/bomb.json") in rejected(bomb)


def test_the_compression_ratio_and_total_size_are_bounded():
    limits = Limits(max_ratio=20, ratio_floor_bytes=100, max_total_bytes=50_000)
    squashed = make_zip([*good_entries().items(), ("forms/pad.json", b"{" + b" " * 5000 + b"}")])
    assert ("zip-bomb", "forms/pad.json") in rejected(squashed, limits)
    many = make_zip([*good_entries().items(), *((f"forms/f{i}.json", os.urandom(9000)) for i in range(6))])
    assert ("zip-bomb", None) in rejected(many, limits)


def test_too_many_entries_or_a_too_large_zip_are_refused_outright():
    assert rejected(make_zip(good_entries()), Limits(max_entries=2)) == [("zip-too-many", None)]
    assert rejected(make_zip(good_entries()), Limits(max_zip_bytes=100)) == [("zip-too-large", None)]
    assert rejected(b"PK\x03\x04 not really a zip") == [("zip-invalid", None)]


def test_duplicate_entries_are_refused():
    entries = [*good_entries().items(), ("forms/app.json", b"{}")]
    assert ("zip-duplicate", "forms/app.json") in rejected(make_zip(entries))


def test_files_that_do_not_belong_in_a_bundle_are_named():
    entries = {**good_entries(), "run.sh": b"rm -rf /", "forms/nested/x.json": b"{}", "sub/extra.bpmn": b"<x/>"}
    found = rejected(make_zip(entries))
    assert sorted(found) == [("bundle-unexpected-file", "forms/nested/x.json"),
                             ("bundle-unexpected-file", "run.sh"), ("bundle-unexpected-file", "sub/extra.bpmn")]


def test_a_bundle_without_item_or_process_says_so():
    assert sorted(rejected(make_zip({"forms/app.json": b'{"schema": {}}'}))) == [
        ("bundle-no-item", "item.json"), ("bundle-no-process", None)]


def test_form_files_must_hold_schema_and_ui_schema_only():
    entries = {**good_entries(), "forms/bad.json": b'{"schema": [], "layout": {}}'}
    with pytest.raises(BundleRejected) as refused:
        read_zip(make_zip(entries))
    assert sorted((p.file, p.pointer) for p in refused.value.problems) == [
        ("forms/bad.json", "/layout"), ("forms/bad.json", "/schema")]


@pytest.mark.parametrize(("content", "code", "pointer"), [
    (b'{"a": 1, "a": 2}', "json-duplicate-key", "/a"),
    (b'{"x": {"list": [{"k": 1, "k": 1}]}}', "json-duplicate-key", "/x/list/0/k"),
    (b'{"days": NaN}', "json-invalid", ""),
    (b'\xef\xbb\xbf{"a": 1}', "json-invalid", ""),
    (b'{"name": "\xd5\xfe"}', "json-invalid", ""),
    (b'{"a": 1,}', "json-invalid", ""),
    (b"[" * 100 + b"]" * 100, "json-too-deep", "/0" * 65),
])
def test_json_is_read_strictly_and_each_problem_located(content, code, pointer):
    _, problems = parse_json(content, "item.json")
    assert [(p.code, p.file, p.pointer) for p in problems] == [(code, "item.json", pointer)]


def test_a_json_syntax_error_names_its_line():
    _, [problem] = parse_json(b'{\n  "code": "X",\n  "name" "Y"\n}', "item.json")
    assert problem.line == 3 and "line 3" in problem.message


def test_a_folder_with_a_symlink_is_refused(tmp_path):
    for name, content in good_entries().items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(content)
    assert list(read_folder(tmp_path).forms) == ["app"]
    (tmp_path / "forms" / "link.json").symlink_to("/etc/passwd")
    with pytest.raises(BundleRejected) as refused:
        read_folder(tmp_path)
    assert [(p.code, p.file) for p in refused.value.problems] == [("bundle-symlink", "forms/link.json")]


def test_a_written_zip_is_the_same_bytes_every_time_and_reads_back():
    bundle = classify(good_entries())
    first = write_zip(bundle)
    assert write_zip(Bundle(bundle.item, dict(bundle.files), dict(bundle.forms))) == first
    again = read_zip(first)
    assert (again.item, again.files, again.forms) == (bundle.item, bundle.files, bundle.forms)
    assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in zipfile.ZipFile(io.BytesIO(first)).infolist())
