"""Process definitions and forms over HTTP: upload (XML, multipart, item bundle zip), lint, versions, download."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import func, select

import pytest

from api_kit import BPMN, EXAMPLE, bundle_zip
from engine.models import ProcessDefinition
from forms.models import FormVersion
from processes.catalogue import ItemVersion
from support.paths import DATA, EXAMPLES

REAL_ESTATE = EXAMPLES / "real_estate_transfer"
WILD = DATA / "engine" / "wild"

BROKEN = b'<?xml version="1.0"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">\n<bpmn:process id="p" isExecutable="true">\n<bpmn:userTask id="t"/>\n</bpmn:definitions>'
FORM = {"type": "object", "properties": {"name": {"type": "string", "title": "姓名"}}, "required": ["name"]}


def _zip(**members) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name.replace("__", "/"), content if isinstance(content, bytes) else json.dumps(content))
    return buffer.getvalue()


@pytest.fixture
def example_forms(as_user):
    """The example's forms, published through the API (BPMN naming unknown forms is refused)."""
    designer = as_user("designer1")
    for path in sorted((EXAMPLE / "forms").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        assert designer.post(f"/api/v1/forms/{path.stem}", json=document).status_code == 201


def _count(env, model) -> int:
    with env.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def test_raw_xml_deploys_and_the_same_content_returns_the_stored_version(as_user, example_forms):
    designer = as_user("designer1")
    upload = dict(data=BPMN.read_bytes(), content_type="application/xml", query_string={"filename": BPMN.name})
    first = designer.post("/api/v1/definitions", **upload)
    assert first.status_code == 201
    (process,) = first.get_json()["processes"]
    assert (process["process_id"], process["version"], process["created"]) == ("one_window_approval", 1, True)
    again = designer.post("/api/v1/definitions", **upload)
    assert again.status_code == 200 and again.get_json()["processes"][0]["created"] is False


def test_multipart_upload_deploys_several_files(as_user, example_forms):
    response = as_user("designer1").post("/api/v1/definitions", content_type="multipart/form-data",
                                         data={"files": [(io.BytesIO(BPMN.read_bytes()), BPMN.name)]})
    assert response.status_code == 201, response.get_json()


def test_a_bundle_zip_publishes_process_forms_and_item_together(as_user, env):
    designer = as_user("designer1")
    response = designer.post("/api/v1/definitions", data=bundle_zip(REAL_ESTATE), content_type="application/zip")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {"form_key": "bdc_application", "version": 1} in body["forms"] and len(body["forms"]) == 6
    assert body["item"] == {"code": "340500-XZQR-BDC-012", "version": 1, "name": "存量房买卖转移登记", "created": True}
    assert [(p["process_id"], p["created"]) for p in body["processes"]] == [("bdc_transfer_registration", True)]
    assert _count(env, FormVersion) == 6 and _count(env, ItemVersion) == 1
    again = designer.post("/api/v1/definitions", data=bundle_zip(REAL_ESTATE), content_type="application/zip")
    assert again.status_code == 200 and again.get_json()["item"]["created"] is False
    assert _count(env, ItemVersion) == 1


def test_a_bundle_with_a_broken_form_stores_nothing(as_user, env):
    broken = json.dumps({"schema": {"type": "object", "properties": 5}}).encode()
    bundle = bundle_zip(REAL_ESTATE, **{"forms/bdc_review.json": broken})
    response = as_user("designer1").post("/api/v1/definitions", data=bundle, content_type="application/zip")
    assert response.status_code == 422
    assert "forms/bdc_review.json" in {p.get("file") for p in response.get_json()["problems"]}
    assert _count(env, ProcessDefinition) == 0 and _count(env, FormVersion) == 0 and _count(env, ItemVersion) == 0


def test_a_bundle_with_unknown_files_is_refused_listing_them(as_user):
    bundle = bundle_zip(REAL_ESTATE, **{"notes.txt": b"hello", "forms/bad key.json": json.dumps(FORM).encode()})
    response = as_user("designer1").post("/api/v1/definitions", data=bundle, content_type="application/zip")
    assert response.status_code == 422
    assert {"notes.txt", "forms/bad key.json"} <= {p.get("file") for p in response.get_json()["problems"]}


def test_not_a_zip_is_refused_clearly(as_user):
    response = as_user("designer1").post("/api/v1/definitions", data=b"PK-not-really", content_type="application/zip")
    assert response.status_code == 422 and "zip" in response.get_json()["title"]


def test_a_zip_without_item_json_is_not_a_bundle(as_user, env):
    response = as_user("designer1").post("/api/v1/definitions", data=bundle_zip(EXAMPLE),
                                         content_type="application/zip")
    assert response.status_code == 422
    assert "item.json" in {p.get("file") for p in response.get_json()["problems"]}
    assert _count(env, ProcessDefinition) == 0 and _count(env, FormVersion) == 0


def test_broken_bpmn_is_refused_with_every_issue_and_its_line(as_user, env):
    response = as_user("designer1").post("/api/v1/definitions", data=BROKEN, content_type="application/xml",
                                         query_string={"filename": "broken.bpmn"})
    assert response.status_code == 422
    (issue,) = response.get_json()["issues"]
    assert issue["file"] == "broken.bpmn" and issue["line"] == 5
    assert _count(env, ProcessDefinition) == 0


def test_bpmn_naming_forms_not_yet_published_is_refused_with_the_element(as_user, env):
    response = as_user("designer1").post("/api/v1/definitions", data=BPMN.read_bytes(),
                                         content_type="application/xml", query_string={"filename": BPMN.name})
    assert response.status_code == 422
    assert {i["element_id"] for i in response.get_json()["issues"] if i["code"] == "unknown-form-key"} >= {"accept"}
    assert _count(env, ProcessDefinition) == 0


def test_lint_reports_without_storing(as_user, env, example_forms):
    designer = as_user("designer1")
    good = designer.post("/api/v1/definitions/lint", data=BPMN.read_bytes(), content_type="application/xml")
    assert good.status_code == 200 and good.get_json()["ok"] is True
    bad = designer.post("/api/v1/definitions/lint", data=BROKEN, content_type="application/xml").get_json()
    assert bad["ok"] is False and bad["issues"][0]["severity"] == "error"
    incomplete = bundle_zip(REAL_ESTATE, leave_out=("forms/bdc_review.json",))
    bundle = designer.post("/api/v1/definitions/lint", data=incomplete, content_type="application/zip").get_json()
    assert bundle["ok"] is False and any("bdc_review" in i["message"] for i in bundle["issues"])
    assert _count(env, ProcessDefinition) == 0


@pytest.mark.parametrize("name", ["not_bpmn.xml", "default_namespace_missing.bpmn", "no_decision.dmn"])
@pytest.mark.parametrize("path", ["/api/v1/definitions", "/api/v1/definitions/lint"])
def test_xml_that_is_neither_bpmn_nor_dmn_gets_a_located_refusal_not_a_500(as_user, env, path, name):
    response = as_user("designer1").post(path, data=(WILD / name).read_bytes(), content_type="application/xml",
                                         query_string={"filename": name})
    assert response.status_code == (422 if path.endswith("definitions") else 200)
    assert response.mimetype == ("application/problem+json" if response.status_code == 422 else "application/json")
    (issue,) = [i for i in response.get_json()["issues"] if i["severity"] == "error"]
    assert (issue["file"], issue["line"]) == (name, 2)
    assert issue["code"] in {"not-bpmn", "dmn-no-decision"}
    assert issue["reason"] in {"文件不是 BPMN 2.0 或 DMN 文档", "DMN 文件中没有决策"}  # Chinese first
    assert issue["reason_en"] and issue["message"]
    assert _count(env, ProcessDefinition) == 0


def test_deploy_warns_of_tasks_whose_candidate_groups_do_not_exist_or_have_no_members(as_user, env):
    from api import accounts

    accounts.create_group(env.unit_of_work(), "archive", kind="department")  # nobody in it
    response = as_user("designer1").post("/api/v1/definitions", data=(WILD / "staffing.bpmn").read_bytes(),
                                         content_type="application/xml", query_string={"filename": "staffing.bpmn"})
    assert response.status_code == 201, response.get_json()
    warned = [(w["code"], w["element_id"], w["line"]) for w in response.get_json()["warnings"]
              if w["code"].startswith("candidate-group")]
    assert warned == [("candidate-group-empty", "archive", 8), ("candidate-group-unknown", "audit", 9)]
    assert "'audit_office' does not exist" in response.get_json()["warnings"][-1]["message"]


def test_a_form_key_not_yet_published_is_refused_offering_the_bundle_path(as_user, env):
    response = as_user("designer1").post("/api/v1/definitions", data=(WILD / "camunda_form_key.bpmn").read_bytes(),
                                         content_type="application/xml",
                                         query_string={"filename": "camunda_form_key.bpmn"})
    assert response.status_code == 422
    issues = {i["element_id"]: i["message"] for i in response.get_json()["issues"] if i["code"] == "unknown-form-key"}
    assert "service item bundle" in issues["review"] and "forms/review_form.json" in issues["review"]
    assert "form file of another product" in issues["sign"]
    assert _count(env, ProcessDefinition) == 0


@pytest.mark.parametrize("path", sorted(WILD.iterdir()), ids=lambda p: p.name)
def test_every_file_from_the_wild_is_linted_and_deployed_or_refused_never_a_500(as_user, env, path):
    designer = as_user("designer1")
    upload = dict(data=path.read_bytes(), content_type="application/xml", query_string={"filename": path.name})
    lint = designer.post("/api/v1/definitions/lint", **upload)
    deployed = designer.post("/api/v1/definitions", **upload)
    if path.suffix not in (".bpmn", ".dmn", ".xml"):  # refused by name, before anything reads it
        assert (lint.status_code, deployed.status_code, deployed.mimetype) == (422, 422, "application/problem+json")
        return
    assert lint.status_code == 200 and lint.mimetype == "application/json"
    assert deployed.status_code in (201, 422), deployed.get_json()
    # lint and deploy agree: refused exactly when lint finds an error
    assert (deployed.status_code == 422) == (not lint.get_json()["ok"])


def test_versions_are_listed_and_the_xml_downloads_as_uploaded(as_user, deployed):
    designer = as_user("designer1")
    changed = BPMN.read_bytes().replace("一窗受理并联审批".encode(), "一窗受理并联审批(二)".encode())
    second = designer.post("/api/v1/definitions", data=changed, content_type="application/xml",
                           query_string={"filename": BPMN.name}).get_json()["processes"][0]
    assert second["version"] == 2
    listed = designer.get("/api/v1/definitions", query_string={"process_id": "one_window_approval"}).get_json()
    assert [d["version"] for d in listed] == [1, 2] and listed[0]["files"] == [BPMN.name]
    xml = designer.get(f"/api/v1/definitions/{deployed['definition_id']}/xml")
    assert xml.status_code == 200 and xml.mimetype == "application/xml" and xml.data == BPMN.read_bytes()
    assert designer.get("/api/v1/definitions/9999").status_code == 404


def test_unsupported_upload_types_are_refused(as_user):
    response = as_user("designer1").post("/api/v1/definitions", data="x", content_type="text/plain")
    assert response.status_code == 415 and response.mimetype == "application/problem+json"


def test_forms_publish_as_versions_and_report_changes(as_user):
    designer = as_user("designer1")
    first = designer.post("/api/v1/forms/application", json={"schema": FORM, "note": "first"})
    assert first.status_code == 201 and first.get_json()["version"] == 1
    same = designer.post("/api/v1/forms/application", json={"schema": FORM})
    assert same.status_code == 200 and same.get_json()["created"] is False
    wider = {**FORM, "properties": {**FORM["properties"], "phone": {"type": "string"}}}
    second = designer.post("/api/v1/forms/application", json={"schema": wider}).get_json()
    assert second["version"] == 2 and second["changes"]
    assert [v["version"] for v in designer.get("/api/v1/forms/application/versions").get_json()] == [1, 2]
    assert designer.get("/api/v1/forms/application").get_json()["schema"] == wider
    assert designer.get("/api/v1/forms/application/versions/1").get_json()["schema"] == FORM
    assert [f["form_key"] for f in designer.get("/api/v1/forms").get_json()] == ["application"]
    assert designer.get("/api/v1/forms/nothing").status_code == 404


def test_a_broken_form_schema_is_refused_with_every_problem(as_user):
    designer = as_user("designer1")
    broken = {"type": "object", "properties": {"a": {"type": "strin"}, "b": {"minLength": "x"}}}
    check = designer.post("/api/v1/forms/application/check", json={"schema": broken}).get_json()
    assert check["ok"] is False and len(check["problems"]) >= 2
    refused = designer.post("/api/v1/forms/application", json={"schema": broken})
    assert refused.status_code == 422 and len(refused.get_json()["problems"]) >= 2
    assert designer.post("/api/v1/forms/application/check", json={"schema": FORM}).get_json()["ok"] is True


def test_only_designers_and_integrators_deploy(as_user, with_token, example_forms):
    assert as_user("clerk1").post("/api/v1/forms/x", json={"schema": FORM}).status_code == 403
    token = with_token("integrator1", ["deploy"])
    response = token.post("/api/v1/definitions", data=BPMN.read_bytes(), content_type="application/xml")
    assert response.status_code == 201
