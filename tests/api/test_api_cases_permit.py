"""工业建设项目施工许可 through the API: a company applies online, departments inspect the site in parallel,
experts review, the window adds and removes countersigners (加签/减签) and copies the case (抄送), the lead
decides and the permit is issued as an e-licence."""

from __future__ import annotations

from case_api_kit import (
    COMPANY_CODE,
    PERMIT,
    case,
    complete,
    ok,
    open_case,
    open_steps,
    permit_application,
    task,
)

INSPECTORS = {"housing": "housing.officer", "planning": "planning.officer", "fire": "fire.officer"}


def test_a_permit_with_joint_inspection_countersigners_changed_and_a_copy_ends_in_an_e_licence(as_demo):
    company, clerk = as_demo("company"), as_demo("clerk")
    receipt = open_case(company, PERMIT, permit_application(), id_number=COMPANY_CODE, kind="company")
    case_id = receipt["case_id"]
    assert receipt["promised_days"] == 50
    complete(clerk, case_id, "accept", {"acceptance": "accept", "inspection_departments": sorted(INSPECTORS),
                                        "countersign_departments": ["fire", "housing", "planning"]})

    fire = as_demo("fire.officer")
    housing_inspection = task(as_demo("housing.officer"), case_id, "inspect")
    assert fire.post(f"/api/v1/tasks/{housing_inspection['id']}/complete",
                     json={"data": {"inspection": {"site_matches": True}}}).status_code == 404
    for department, officer in INSPECTORS.items():
        complete(as_demo(officer), case_id, "inspect",
                 {"inspection": {"site_matches": True, "findings": f"{department}: 现场与图纸一致"}})
    complete(as_demo("expert"), case_id, "expert_review", {"expert_conclusion": "pass"})

    # 加签: the window brings in the environment bureau; a stranger to the case cannot
    join = {"element_id": "countersign", "participant": "environment", "reason": "项目涉及危险废物贮存"}
    assert as_demo("tax.officer").post(f"/api/v1/instances/{case_id}/countersigners", json=join).status_code == 404
    assert company.post(f"/api/v1/instances/{case_id}/countersigners", json=join).status_code == 403
    added = ok(clerk.post(f"/api/v1/instances/{case_id}/countersigners", json=join), 201)
    assert task(as_demo("env.officer"), case_id, "countersign")["id"] == added["task_id"]
    # 减签: planning already gave its view at the inspection
    planning = task(as_demo("planning.officer"), case_id, "countersign")
    removed = ok(clerk.post(f"/api/v1/instances/{case_id}/countersigners/{planning['id']}/remove",
                            json={"reason": "规划意见已在联合踏勘中出具"}))
    assert removed["participant"] == "planning"
    queue = ok(as_demo("planning.officer").get("/api/v1/tasks"))["items"]
    assert [t for t in queue if t["instance_id"] == case_id] == []

    # 抄送: the market regulator may read the case, not work it
    market = as_demo("market.officer")
    assert market.get(f"/api/v1/cases/{case_id}").status_code == 404
    copies = ok(clerk.post(f"/api/v1/instances/{case_id}/copies",
                           json={"users": ["market.officer"], "note": "请知悉项目开工计划"}), 201)
    assert [c["to_user"] for c in copies] == ["market.officer"]
    assert case(market, case_id)["tracking_number"] == receipt["tracking_number"]
    copied = ok(market.get(f"/api/v1/instances/{case_id}"))
    assert copied["data"]["mobile"] == "136****8888"  # read as a copy: identifiers stay masked
    assert ok(clerk.get(f"/api/v1/instances/{case_id}"))["data"]["mobile"] == "13605558888"
    assert [t for t in ok(market.get("/api/v1/tasks"))["items"] if t["instance_id"] == case_id] == []
    assert clerk.post(f"/api/v1/instances/{case_id}/copies", json={"users": ["nobody"]}).status_code == 422

    for department in ("housing", "fire", "environment"):
        officer = {"environment": "env.officer"}.get(department, f"{department}.officer")
        complete(as_demo(officer), case_id, "countersign", {"opinion": {"approved": True}})
    assert open_steps(clerk, case_id) == ["decide"]
    complete(as_demo("lead"), case_id, "decide", {"decision": "approve", "permit_number": "340500202612010101"})
    complete(clerk, case_id, "issue", {"delivery": "electronic"})
    opinions = ok(as_demo("supervisor").get(f"/api/v1/instances/{case_id}"))["data"]["countersign_opinions"]
    assert len(opinions) == 3

    licence = ok(clerk.post(f"/api/v1/cases/{case_id}/licences", json={
        "holder_id": COMPANY_CODE, "holder_name": "安徽皖江高端装备制造有限公司",
        "data": {"施工许可证编号": "340500202612010101", "工程名称": "年产2万台智能数控机床生产线项目1号厂房"}}), 201)
    assert (licence["holder_kind"], licence["licence_type"]) == ("company", "CN-CONSTRUCTION-PERMIT")
    stored = case(company, case_id)
    assert (stored["status"], stored["outcome"], stored["licences"]) == ("completed", "approved", [licence["number"]])
    page = company.get(f"/api/v1/licences/{licence['number']}/html")
    assert page.status_code == 200 and "建筑工程施工许可证" in page.get_data(as_text=True)
