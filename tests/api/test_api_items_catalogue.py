"""The service item catalogue over HTTP: publish bundles (designers), find items and read their guide and
one-time notice (anyone, no login), versions, export and re-import."""

from __future__ import annotations

import json

from api_kit import audit_rows, bundle_zip
from case_api_kit import ELDERLY, PERMIT, REAL_ESTATE, STARTUP, ok
from support.paths import EXAMPLES

BUNDLE = EXAMPLES / "real_estate_transfer"


def _changed_item(**changes) -> bytes:
    document = json.loads((BUNDLE / "item.json").read_text(encoding="utf-8"))
    document.update(changes)
    return json.dumps(document, ensure_ascii=False).encode()


def test_a_designer_publishes_a_bundle_and_identical_content_returns_the_stored_version(app, as_user, env):
    designer = as_user("designer1")
    first = designer.post("/api/v1/items", data=bundle_zip(BUNDLE), content_type="application/zip")
    body = ok(first, 201)
    assert (body["code"], body["version"], body["created"], body["process_id"]) == (
        REAL_ESTATE, 1, True, "bdc_transfer_registration")
    assert first.headers["Location"] == f"/api/v1/items/{REAL_ESTATE}?version=1"
    assert body["form_versions"]["bdc_application"] == 1 and body["processes"][0]["created"] is True
    assert ok(designer.post("/api/v1/items", data=bundle_zip(BUNDLE), content_type="application/zip"))[
        "created"] is False

    cheaper = _changed_item(fees=[])
    second = ok(designer.post("/api/v1/items", data=bundle_zip(BUNDLE, **{"item.json": cheaper}),
                              content_type="application/zip", query_string={"note": "免收登记费"}), 201)
    assert second["version"] == 2 and second["processes"][0]["created"] is False  # same BPMN, same definition
    public = app.test_client()
    assert [v["version"] for v in ok(public.get(f"/api/v1/items/{REAL_ESTATE}/versions"))] == [1, 2]
    assert ok(public.get(f"/api/v1/items/{REAL_ESTATE}"))["document"]["fees"] == []
    assert ok(public.get(f"/api/v1/items/{REAL_ESTATE}", query_string={"version": 1}))["document"]["fees"]
    published = sorted((r for r in audit_rows(env) if r.action == "item.published"), key=lambda r: r.seq)
    assert [(r.object_id, r.result) for r in published] == [
        (f"{REAL_ESTATE}@1", "ok"), (f"{REAL_ESTATE}@1", "ok"), (f"{REAL_ESTATE}@2", "ok")]


def test_a_bundle_with_problems_is_refused_listing_every_one_and_nothing_is_stored(app, as_user):
    designer = as_user("designer1")
    broken = bundle_zip(BUNDLE, leave_out=("forms/bdc_review.json",),
                        **{"item.json": _changed_item(time_limits={"statutory_days": 3, "promised_days": 5})})
    checked = ok(designer.post("/api/v1/items/check", data=broken, content_type="application/zip"))
    refused = designer.post("/api/v1/items", data=broken, content_type="application/zip")
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["type"] == "urn:yiwang:problem:bundle-rejected"
    problems = refused.get_json()["problems"]
    assert checked["ok"] is False and {p["code"] for p in checked["problems"]} == {p["code"] for p in problems}
    assert {"item.json"} <= {p.get("file") for p in problems}
    assert any(p.get("element_id") == "review" or "bdc_review" in p["message"] for p in problems)
    assert app.test_client().get(f"/api/v1/items/{REAL_ESTATE}").status_code == 404
    assert designer.post("/api/v1/items", data=b"<xml/>", content_type="application/xml").status_code == 415
    assert as_user("clerk1").post("/api/v1/items", data=bundle_zip(BUNDLE),
                                  content_type="application/zip").status_code == 403


def test_anyone_finds_items_by_words_type_department_region_and_level_without_logging_in(app, demo):
    public = app.test_client()

    def codes(**query) -> list[str]:
        return [i["code"] for i in ok(public.get("/api/v1/items", query_string=query))["items"]]

    assert codes() == sorted([STARTUP, REAL_ESTATE, ELDERLY, PERMIT])
    assert codes(q="不动产") == [REAL_ESTATE]
    assert codes(q="企业开办") == [STARTUP]
    assert codes(type="benefit") == [ELDERLY]
    assert codes(department="马鞍山市住房和城乡建设局") == [PERMIT]
    assert codes(region_code="340503") == codes(level="county") == [ELDERLY]
    page = ok(public.get("/api/v1/items", query_string={"limit": 2, "offset": 2}))
    assert page["total"] == 4 and len(page["items"]) == 2
    startup = ok(public.get(f"/api/v1/items/{STARTUP}"))
    assert startup["one_thing"] is True and startup["type_label"] == "公共服务"
    assert startup["document"]["options"]["accept_with_deficiencies"]["enabled"] is True
    assert public.get("/api/v1/items", query_string={"type": "magic"}).status_code == 422
    missing = public.get("/api/v1/items/340500-XK-NONE-001")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_the_guide_and_the_one_time_notice_are_public_printable_pages(app, demo):
    public = app.test_client()
    guide = public.get(f"/api/v1/items/{PERMIT}/guide")
    assert guide.status_code == 200 and guide.mimetype == "text/html"
    text = guide.get_data(as_text=True)
    assert "办事指南" in text and "工业建设项目施工许可" in text and "<script" not in text
    assert "会签" in text  # the steps come from the pinned BPMN
    notice = public.get(f"/api/v1/items/{REAL_ESTATE}/notice", query_string={"version": 1})
    assert notice.status_code == 200 and "一次性告知" in notice.get_data(as_text=True)
    assert "存量房买卖合同" in notice.get_data(as_text=True)  # the material checklist
    assert public.get(f"/api/v1/items/{REAL_ESTATE}/guide", query_string={"version": 9}).status_code == 404


def test_an_exported_bundle_imports_again_as_the_same_version(app, as_demo):
    public = app.test_client()
    assert public.get(f"/api/v1/items/{ELDERLY}/export").status_code == 401
    designer = as_demo("designer")
    exported = designer.get(f"/api/v1/items/{ELDERLY}/export")
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    again = ok(designer.post("/api/v1/items", data=exported.data, content_type="application/zip"))
    assert (again["code"], again["version"], again["created"]) == (ELDERLY, 1, False)
    via_definitions = ok(designer.post("/api/v1/definitions", data=exported.data, content_type="application/zip"))
    assert via_definitions["item"] == {"code": ELDERLY, "version": 1, "name": "高龄津贴申领", "created": False}
