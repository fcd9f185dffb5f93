"""Application materials over the API: real files uploaded, checked by their bytes, and read back only
through a case whose data refers to them, by those who see that case in full."""

from __future__ import annotations

import hashlib
import io
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from api_kit import audit_rows
from case_api_kit import BUYER_ID, REAL_ESTATE, ok, open_case, real_estate_application

PROGRAM = Path(shutil.which("true") or "/bin/true")


def pdf_bytes(text: str = "contract") -> bytes:
    """A small but well-formed PDF (one empty page)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%" + text.encode() + b"\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def png_bytes() -> bytes:
    """A 2x2 grey PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80\x80" for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def store_dir(app, tmp_path):
    app.config["MATERIALS_DIR"] = str(tmp_path / "materials")
    return tmp_path / "materials"


@pytest.fixture
def people(as_demo, store_dir):
    return {name: as_demo(name) for name in ("applicant", "company", "clerk", "supervisor", "tax.officer")}


def upload(client, content: bytes, name: str, **query):
    return client.post("/api/v1/materials", query_string=query,
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def read(client, url: str):
    """GET a file and close the response (the file it streams from) at once."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def test_an_upload_answers_with_the_reference_its_field_takes_and_is_stored_by_content(app, people, store_dir):
    content = pdf_bytes()
    reference = ok(upload(people["applicant"], content, "存量房买卖合同.pdf", form_key="bdc_application",
                          field="/contract"), 201)
    digest = hashlib.sha256(content).hexdigest()
    assert reference == {"source": "upload", "sha256": digest, "size": len(content), "format": "pdf",
                         "media_type": "application/pdf", "name": "存量房买卖合同.pdf"}
    assert (store_dir / digest[:2] / digest[2:4] / digest).read_bytes() == content
    # the same content again is the same file
    again = ok(upload(people["applicant"], content, "合同.pdf"), 201)
    assert again["sha256"] == digest and len(list(store_dir.rglob(digest))) == 1
    rows = [r for r in audit_rows(app.extensions["yiwang"]) if r.action == "material.uploaded"]
    assert [(r.result, r.object_id) for r in rows] == [("ok", digest), ("ok", digest)]


@pytest.mark.parametrize(("content", "name", "query", "pointer", "reason"), [
    pytest.param(PROGRAM.read_bytes(), "营业执照.pdf", {}, "/file", "unsafe", id="a program renamed .pdf"),
    pytest.param(PROGRAM.read_bytes(), "合同.pdf", {"form_key": "bdc_application", "field": "/contract"},
                 "/contract", "unsafe", id="a program for a field"),
    pytest.param(png_bytes(), "合同.pdf", {}, "/file", "name-mismatch", id="a picture named .pdf"),
    pytest.param(png_bytes(), "合同.png", {"form_key": "bdc_application", "field": "/contract"}, "/contract",
                 "type", id="a picture where only pdf or ofd are accepted"),
    pytest.param(b"", "空.pdf", {}, "/file", "empty", id="an empty file"),
    pytest.param(b"plain words, no known type", "说明.txt", {}, "/file", "type", id="an unknown type"),
])
def test_bad_files_are_refused_naming_the_field_and_nothing_is_stored(people, store_dir, content, name, query,
                                                                     pointer, reason):
    response = upload(people["applicant"], content, name, **query)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert problem["type"] == "urn:yiwang:problem:material-rejected" and problem["reason"] == reason
    assert [e["pointer"] for e in problem["errors"]] == [pointer]
    assert not [p for p in store_dir.rglob("*") if p.is_file()]


def test_a_field_limit_applies_and_a_field_that_is_no_material_is_named(people, as_demo, store_dir):
    designer = as_demo("designer")
    form = {"schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                       "properties": {"photo": {"title": "照片", "x-material": {
                           "code": "T-M01", "name": "照片", "formats": ["png", "jpeg"], "max_bytes": 100}},
                           "note": {"type": "string", "title": "备注"}}}}
    ok(designer.post("/api/v1/forms/material_probe", json=form), 201)
    applicant = people["applicant"]
    big = png_bytes() + b"\x00" * 100
    too_large = upload(applicant, big, "照片.png", form_key="material_probe", field="/photo")
    assert too_large.status_code == 422
    assert (too_large.get_json()["reason"], too_large.get_json()["errors"][0]["pointer"]) == ("too-large", "/photo")
    assert ok(upload(applicant, png_bytes(), "照片.png", form_key="material_probe", field="/photo"), 201)[
        "format"] == "png"

    not_material = upload(applicant, png_bytes(), "照片.png", form_key="material_probe", field="/note")
    assert not_material.status_code == 422 and not_material.get_json()["errors"][0]["pointer"] == "/field"
    no_form = upload(applicant, png_bytes(), "照片.png", form_key="no_such_form", field="/photo")
    assert no_form.status_code == 422 and no_form.get_json()["errors"][0]["pointer"] == "/form_key"
    half = upload(applicant, png_bytes(), "照片.png", form_key="material_probe")
    assert half.status_code == 422 and half.get_json()["errors"][0]["pointer"] == "/field"
    path = upload(applicant, png_bytes(), "../照片.png")
    assert path.status_code == 422 and path.get_json()["reason"] == "bad-name"
    nothing = applicant.post("/api/v1/materials", data={}, content_type="multipart/form-data")
    assert nothing.status_code == 422 and nothing.get_json()["errors"][0]["pointer"] == "/file"


def test_only_who_sees_the_case_in_full_reads_its_files_and_only_files_its_data_refers_to(people, clock):
    clock.set(2026, 9, 28, 10)
    applicant = people["applicant"]
    content = pdf_bytes("signed contract")
    contract = ok(upload(applicant, content, "存量房买卖合同.pdf", form_key="bdc_application", field="/contract"), 201)
    other = ok(upload(applicant, pdf_bytes("something else"), "其他.pdf"), 201)
    case_id = open_case(applicant, REAL_ESTATE, real_estate_application(contract=contract),
                        id_number=BUYER_ID)["case_id"]
    url = f"/api/v1/cases/{case_id}/materials/{contract['sha256']}"

    mine = read(applicant, url)
    assert mine.status_code == 200 and mine.data == content and mine.mimetype == "application/pdf"
    assert mine.headers["Content-Disposition"].startswith("inline; filename*=UTF-8''")
    # the clerk of the accepting window handles the case and sees it
    assert read(people["clerk"], url).data == content

    for name in ("company", "tax.officer", "supervisor"):  # another applicant; a department not on it;
        assert people[name].get(url).status_code == 404, name  # a supervisor sees identifiers masked only
    # a file the case does not refer to, a digest that is none, a case that does not exist
    assert applicant.get(f"/api/v1/cases/{case_id}/materials/{other['sha256']}").status_code == 404
    assert applicant.get(f"/api/v1/cases/{case_id}/materials/not-a-digest").status_code == 404
    assert applicant.get(f"/api/v1/cases/no-such-case/materials/{contract['sha256']}").status_code == 404


def test_an_application_cannot_refer_to_a_file_never_uploaded(people, clock):
    """A forged reference (a digest the store does not hold) is refused at opening, naming the field;
    no case is opened."""
    clock.set(2026, 9, 28, 10)
    forged = {"source": "upload", "sha256": "cd" * 32, "size": 1000, "format": "pdf",
              "media_type": "application/pdf", "name": "伪造.pdf"}
    applicant = people["applicant"]
    body = {"item_code": REAL_ESTATE, "channel": "online", "data": real_estate_application(contract=forged),
            "applicant": {"user": None, "id_number": BUYER_ID, "kind": "person"}}
    refused = applicant.post("/api/v1/cases", json=body)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert any(e["pointer"].endswith("/contract") for e in refused.get_json()["errors"]), refused.get_json()
    assert applicant.get("/api/v1/cases").get_json()["items"] == []
    assert applicant.get(f"/api/v1/cases/x/materials/{'cd' * 32}").status_code == 404
