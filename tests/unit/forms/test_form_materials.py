"""Materials: uploads checked by content and stored by hash; references checked by the form."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from forms.errors import MaterialRejected
from forms.file_store import FileStore
from forms.materials import licence_reference
from forms.validation import validate_submission, verify_material_files

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32 + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.fixture
def store(tmp_path):
    return FileStore(tmp_path / "materials", max_bytes=64 * 1024)


@pytest.mark.parametrize(
    "content, filename, kind",
    [
        (PDF, "章程.pdf", "pdf"),
        (PNG, "scan.PNG", "png"),
        (JPEG, "photo.jpg", "jpeg"),
        (_zip("OFD.xml", "Doc_0/Document.xml"), "营业执照.ofd", "ofd"),
        (_zip("[Content_Types].xml", "word/document.xml"), "授权委托书.docx", "docx"),
        (_zip("[Content_Types].xml", "xl/workbook.xml"), "股东名册.xlsx", "xlsx"),
    ],
)
def test_accepted_files_are_typed_by_content(store, content, filename, kind):
    stored = store.put(content, filename)
    assert (stored.format, stored.size, stored.name) == (kind, len(content), filename)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    with store.open(stored.sha256) as handle:
        assert handle.read() == content


def test_storage_is_content_addressed(store):
    first = store.put(PDF, "a.pdf")
    second = store.put(io.BytesIO(PDF), "b.pdf")
    assert first.sha256 == second.sha256
    path = store.path_of(first.sha256)
    assert path.parent.parent.name == first.sha256[:2] and path.parent.name == first.sha256[2:4]
    stored_files = [p for p in store.root.rglob("*") if p.is_file()]
    assert stored_files == [path]


@pytest.mark.parametrize(
    "content, filename, reason",
    [
        (EXE, "营业执照.pdf", "unsafe"),
        (ELF, "scan.png", "unsafe"),
        (b"#!/bin/sh\nrm -rf /\n", "申请书.pdf", "unsafe"),
        (_zip("word/document.xml", "word/vbaProject.bin"), "委托书.docx", "unsafe"),
        (b"just some text", "说明.pdf", "type"),
        (_zip("readme.txt"), "archive.zip", "type"),
        (PNG, "scan.pdf", "name-mismatch"),
        (PDF, "营业执照.exe", "name-mismatch"),
        (PDF, "营业执照.html", "name-mismatch"),
        (PDF, "营业执照.pdf.exe", "name-mismatch"),
        (PDF, "no-extension", "name-mismatch"),
        (b"", "empty.pdf", "empty"),
        (PDF, "../../etc/passwd", "bad-name"),
        (PDF, "dir\\file.pdf", "bad-name"),
        (PDF, "evil\x00.pdf", "bad-name"),
        (PDF, "..", "bad-name"),
        (PDF, "", "bad-name"),
    ],
)
def test_refused_uploads_store_nothing(store, content, filename, reason):
    with pytest.raises(MaterialRejected) as caught:
        store.put(content, filename)
    assert caught.value.context["reason"] == reason
    assert not [p for p in store.root.rglob("*") if p.is_file()]


def test_size_limits_apply_while_reading(store):
    big = PDF + b"0" * (64 * 1024)
    with pytest.raises(MaterialRejected) as caught:
        store.put(io.BytesIO(big), "big.pdf")
    assert caught.value.context["reason"] == "too-large"
    with pytest.raises(MaterialRejected):
        store.put(PDF + b"0" * 200, "small.pdf", max_bytes=100)  # the material's own limit


def test_only_the_materials_formats_are_accepted(store):
    with pytest.raises(MaterialRejected) as caught:
        store.put(PNG, "scan.png", formats=["pdf", "ofd"])
    assert caught.value.context["detected"] == "png"


def test_digests_cannot_escape_the_store(store):
    with pytest.raises(MaterialRejected):
        store.path_of("../" * 10 + "etc/passwd")


def _material_form(**spec) -> dict:
    material = {"code": "M01", "name": "营业执照", **spec}
    return {
        "type": "object",
        "properties": {"licence": {"title": "营业执照", "x-material": material}},
    }


def test_a_stored_file_reference_is_a_valid_material(store):
    reference = store.put(PDF, "营业执照.pdf").reference()
    schema = _material_form(formats=["pdf", "ofd"])
    assert validate_submission(schema, {"licence": reference}) == []
    assert verify_material_files(store, schema, {"licence": reference}) == []


@pytest.mark.parametrize(
    "spec, value, message",
    [
        (
            {"formats": ["pdf"]},
            {"format": "png", "media_type": "image/png"},
            "「营业执照」的文件格式应为 pdf",
        ),
        ({"max_bytes": 10}, {}, "「营业执照」的文件不能超过 10 B"),
        (
            {"max_bytes": 3 * 1024 * 1024},
            {"size": 4 * 1024 * 1024},
            "「营业执照」的文件不能超过 3 MB",
        ),
        ({}, {"sha256": "not-a-digest"}, "「营业执照」不是有效的材料，请重新上传或选择电子证照"),
        (
            {},
            {"media_type": "application/x-msdownload"},
            "「营业执照」的文件格式应为 pdf、ofd、png、jpeg、docx、xlsx",
        ),
    ],
)
def test_file_references_must_meet_the_requirements(spec, value, message):
    reference = {
        "source": "upload",
        "sha256": "c" * 64,
        "size": 100,
        "format": "pdf",
        "media_type": "application/pdf",
        "name": "a.pdf",
    }
    [error] = validate_submission(_material_form(**spec), {"licence": {**reference, **value}})
    assert (error.pointer, error.code, error.message) == ("/licence", "x-material", message)


def test_an_e_licence_can_stand_in_for_an_upload():
    schema = _material_form(e_licence=["LIC-BUSINESS"])
    assert (
        validate_submission(
            schema, {"licence": licence_reference("LIC-BUSINESS", "91320505MA1Q2W3E4Y")}
        )
        == []
    )
    [wrong] = validate_submission(schema, {"licence": licence_reference("LIC-DRIVING", "x")})
    assert wrong.message == "「营业执照」不接受该类电子证照，可用：LIC-BUSINESS"
    [refused] = validate_submission(
        _material_form(), {"licence": licence_reference("LIC-BUSINESS", "x")}, "en"
    )
    assert refused.message == "“营业执照”: cannot be given as an e-licence; upload a file"


def test_multi_file_materials_take_a_list(store):
    schema = _material_form(max_files=2, formats=["pdf", "png"])
    pages = [store.put(PDF, "p1.pdf").reference(), store.put(PNG, "p2.png").reference()]
    assert validate_submission(schema, {"licence": pages}) == []
    errors = validate_submission(schema, {"licence": pages + [{"source": "upload"}]})
    assert [(e.pointer, e.message) for e in errors] == [
        ("/licence", "「营业执照」最多上传 2 个文件"),
        ("/licence/2", "「营业执照」第3项不是有效的材料，请重新上传或选择电子证照"),
    ]
    assert [e.message for e in validate_submission(schema, {"licence": []})] == [
        "「营业执照」需要至少上传一个文件"
    ]


def test_references_to_files_not_in_the_store_are_found(store, load_form):
    schema = load_form("company_registration.json")
    kept = store.put(PDF, "章程.pdf").reference()
    forged = dict(kept, sha256="d" * 64)
    tampered = dict(kept, size=kept["size"] + 1)
    data = {"articles": kept, "lease_contract": [kept, forged], "power_of_attorney": tampered}
    errors = verify_material_files(store, schema, data)
    assert [(e.pointer, e.code) for e in errors] == [
        ("/lease_contract/1", "x-material"),
        ("/power_of_attorney", "x-material"),
    ]
    assert errors[0].message == "「租赁合同」第2项的文件未找到，请重新上传"
