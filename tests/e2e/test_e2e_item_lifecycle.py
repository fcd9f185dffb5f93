"""A whole service item in a real browser: designed and published to the catalogue, applied for through the
case endpoints with a material uploaded, corrected once, countersigned by two departments, issued with an
e-licence, rated, followed on the public progress page and seen by the supervisor.

Every action is followed by what the screen shows and by the stored effect, read back through the API.
"""

from __future__ import annotations

import json
import re

import pytest
from stdnum.cn import ric

from e2e_kit import api_get, loaded_image_width, pick, png_file, shot

FORMS = {"e2e_accept": "acceptance", "e2e_correct": "correction", "e2e_opinion": "opinion", "e2e_issue": "issue"}
ITEM = "E2E-XK-001"
COMPANY = "苏州示例科技有限公司"
DEPARTMENTS = {"market": "市场监管局", "fire": "消防救援支队"}  # the groups' titles (conftest.py)
# Action codes the server writes to the history; the screens show their labels, never the codes.
RAW_ACTIONS = ("instance.started", "case.opened", "task.completed", "task.claimed", "task.opinion",
               "case.correction_requested", "case.corrections_resubmitted", "licence.issued")


def resident_id(body: str) -> str:
    number = body + ric.calc_check_digit(body + "0")
    assert ric.is_valid(number), number  # the region must have existed on the birth date
    return number


APPLICANT_ID = resident_id("32058319900101123")
OTHER_ID = resident_id("32050219851212456")


def publish_form(page, key: str, template: str) -> None:
    page.click(f"[data-testid=template-{template}]")
    page.fill("[data-testid=form-key]", key)
    page.click("[data-testid=form-publish]")
    page.wait_for_selector(f".ant-message-notice:has-text('{key} v1')")


def design_item(page) -> None:
    page.wait_for_selector("[data-testid=form-builder]")
    # The application form from the palette: a name field (required) and the countersigning departments.
    page.click("[data-testid=template-application]")
    page.fill("[data-testid=form-title]", "E2E 测试许可申请表")
    page.click("[data-testid=palette-fieldText]")
    page.fill("[data-testid=field-key-1]", "company")
    page.fill("[data-testid=field-title-1]", "企业名称")
    page.check("[data-testid=field-required-1]")
    page.click("[data-testid=palette-fieldMaterial]")
    page.fill("[data-testid=field-key-2]", "licence_copy")
    page.fill("[data-testid=field-title-2]", "营业执照")
    page.check("[data-testid=field-required-2]")
    page.click("[data-testid=palette-departments]")
    page.fill("[data-testid=form-key]", "e2e_apply")
    page.wait_for_selector("[data-testid=form-preview] label:has-text('企业名称')")
    shot(page, "designer-form-builder")
    page.click("[data-testid=form-publish]")
    page.wait_for_selector(".ant-message-notice:has-text('e2e_apply v1')")
    for key, template in FORMS.items():
        publish_form(page, key, template)

    # The process: the wizard's one-window shape with a parallel countersign, then edited in the panel.
    page.click(".ant-tabs-tab:has-text('流程')")
    page.wait_for_selector("[data-testid=modeler] .djs-container")
    page.click("[data-testid=wizard]")
    page.fill("[data-testid=wizard-id]", "e2e_permit")
    page.fill("[data-testid=wizard-name]", "E2E 测试许可")
    for field, key in (("application", "e2e_apply"), ("acceptance", "e2e_accept"), ("correction", "e2e_correct"),
                       ("review", "e2e_opinion"), ("issue", "e2e_issue")):
        pick(page, f"wizard-{field}", key)
    page.click("[data-testid=wizard-ok]")
    page.wait_for_selector("[data-element-id=review]")
    page.click("[data-element-id=review]")
    page.wait_for_selector("[data-testid=properties]:has-text('review')")
    assert page.locator("[data-testid=prop-multi]").get_attribute("aria-checked") == "true"
    page.fill("input[data-testid=prop-timelimit]", "2")
    page.keyboard.press("Tab")
    page.click("[data-testid=lint]")
    page.wait_for_selector("[data-testid=lint-ok]")
    shot(page, "designer-modeler")
    page.click("[data-testid=deploy]")
    # The catalogue data of the item, checked as typed; its materials come from the application form.
    page.wait_for_selector("[data-testid=item-editor]")
    page.fill("[data-testid=item-code]", "e2e-xk")
    page.wait_for_selector("[data-testid=item-editor] .ant-form-item-explain-error")
    page.fill("[data-testid=item-code]", ITEM)
    page.fill("[data-testid=item-department]", "苏州市市场监督管理局")
    page.fill("[data-testid=item-region]", "320500")
    page.fill("[data-testid=item-basis]", "《中华人民共和国行政许可法》")
    page.fill("[data-testid=item-result]", "E2E 测试许可证")
    page.fill("[data-testid=item-licence-type]", "CN-E2E-PERMIT")
    assert page.locator("[data-testid=item-materials] tr:has-text('营业执照')").count() == 1
    page.fill("[data-testid=version-note]", "首次发布")
    shot(page, "designer-publish")
    page.click("[data-testid=deploy-confirm]")
    page.wait_for_selector(f".ant-message-notice:has-text('{ITEM} v1')")


def open_task(page, server: str, step: str):
    page.goto(f"{server}/ui/workbench")
    page.locator("[data-testid=task-link]", has_text=step).first.click()
    page.wait_for_selector("[data-testid=task-page]")
    page.wait_for_selector("[data-testid=task-form] form")


def case_of(page, server: str, case_id: str) -> dict:
    return api_get(page, server, f"/cases/{case_id}")


def history_text(page, scope: str = "[data-testid=task-page]") -> str:
    """The case history as the screen shows it (labels, steps, decisions, who and when)."""
    text = page.locator(f"{scope} [data-testid=history]").inner_text()
    for code in RAW_ACTIONS:
        assert code not in text, code
    return text


def buttons(page) -> set[str]:
    """The action buttons offered on the open task page."""
    return {b.get_attribute("data-testid") for b in page.locator(
        "[data-testid=task-form] button[data-testid^=action-], [data-testid=task-form] [data-testid=issue-licence]").all()}


@pytest.mark.slow
def test_an_item_built_in_the_designer_runs_from_application_to_result(login, server, browser, tmp_path):
    designer = login("designer1")
    page_errors = [designer]
    designer.goto(f"{server}/ui/designer")
    design_item(designer)
    item = api_get(designer, server, f"/items/{ITEM}")
    assert (item["version"], item["process_id"], item["document"]["application_form"]) == (1, "e2e_permit", "e2e_apply")
    assert [m["name"] for m in item["document"]["materials"]] == ["营业执照"]

    # The applicant applies online through the case endpoint, uploading the material.
    applicant = login("zhang3")
    page_errors.append(applicant)
    applicant.goto(f"{server}/ui/portal")
    applicant.click(f"[data-testid=apply-{ITEM}]")
    applicant.wait_for_selector("[data-testid=apply-form] form")
    applicant.fill("[data-testid=apply-id-number]", APPLICANT_ID)
    applicant.fill("[data-testid=apply-form] input[id$=company]", COMPANY)
    # A draft is kept on the server: it comes back after the page is left, as typed.
    applicant.click("[data-testid=save-draft]")
    applicant.wait_for_selector(".ant-message-notice:has-text('草稿已保存')")
    kept = api_get(applicant, server, f"/drafts/{ITEM}")
    assert (kept["data"]["company"], kept["applicant"]["id_number"]) == (COMPANY, APPLICANT_ID)
    applicant.goto(f"{server}/ui/portal")
    applicant.click(f"[data-testid=draft-{ITEM}]")
    applicant.wait_for_selector("[data-testid=draft-restored]")
    assert applicant.input_value("[data-testid=apply-form] input[id$=company]") == COMPANY
    assert applicant.input_value("[data-testid=apply-id-number]") == APPLICANT_ID
    applicant.set_input_files("[data-testid=material-licence_copy] input[type=file]",
                              str(png_file(tmp_path / "营业执照.png")))
    applicant.wait_for_selector("[data-testid=material-licence_copy] [data-testid=material-name]:has-text('营业执照.png')")
    # The countersigning departments are offered by their titles; the stored values stay the group codes.
    labels = applicant.locator("[data-testid=apply-form] label.ant-checkbox-wrapper").all_inner_texts()
    assert sorted(labels) == sorted(DEPARTMENTS.values())
    applicant.check(f"[data-testid=apply-form] label.ant-checkbox-wrapper:has-text('{DEPARTMENTS['market']}') input")
    applicant.check(f"[data-testid=apply-form] label.ant-checkbox-wrapper:has-text('{DEPARTMENTS['fire']}') input")
    shot(applicant, "portal-apply")
    applicant.click("[data-testid=apply-submit]")
    applicant.wait_for_selector("[data-testid=case-page]")
    case_id = re.search(r"/portal/cases/([^/?#]+)", applicant.url).group(1)
    number = applicant.locator("[data-testid=tracking-number]").inner_text()
    stored = case_of(applicant, server, case_id)
    assert applicant.request.get(f"{server}/api/v1/drafts/{ITEM}").status == 404  # the draft became the case
    assert re.fullmatch(r"E2EXK001-320500-\d{8}-\d{5}[0-9A-Z]", number) and stored["tracking_number"] == number
    assert (stored["channel"], stored["applicant_user"], stored["status"]) == ("online", "zhang3", "in_progress")
    assert applicant.locator("[data-testid=case-status]").first.inner_text() == "办理中"
    assert loaded_image_width(applicant, "[data-testid=receipt-qr]") > 0
    progress_url = applicant.locator("[data-testid=progress-link]").get_attribute("href")
    code = applicant.locator("[data-testid=receipt-code]").inner_text()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{10}", code) and progress_url == f"{server}/progress/{number}?code={code}"
    material = api_get(applicant, server, f"/instances/{case_id}")["data"]["licence_copy"]
    assert (material["source"], material["format"], material["name"]) == ("upload", "png", "营业执照.png")
    assert sorted(api_get(applicant, server, f"/instances/{case_id}")["data"]["departments"]) == ["fire", "market"]

    # The clerk sees the material with its preview and asks for corrections once (one notice lists it all).
    clerk = login("clerk1")
    page_errors.append(clerk)
    open_task(clerk, server, "窗口受理")
    # The queue's counts by light are the server's (GET /tasks/lights), and this case is among them.
    window_lights = {q["group"]: q for q in api_get(clerk, server, "/tasks/lights")}["window"]
    shown = clerk.locator("[data-testid=queue-lights-window]")
    assert [int(shown.locator(f"[data-light-count={light}]").inner_text()) for light in ("red", "yellow", "green")] \
        == [window_lights[light] for light in ("red", "yellow", "green")]
    assert sum(window_lights[light] for light in ("red", "yellow", "green")) >= 1
    clerk.locator("[data-testid=materials] [data-testid=material-preview]").wait_for()
    assert loaded_image_width(clerk, "[data-testid=materials] [data-testid=material-preview]") == 24
    # The acceptance step offers the acceptance decisions, not the e-licence; the history reads as labels.
    assert buttons(clerk) == {"action-accept", "action-correct", "action-refuse"}
    history = history_text(clerk)
    assert "申请提交" in history and "收件登记" in history and "zhang3" in history
    application = clerk.locator("[data-testid=application]").inner_text()
    assert DEPARTMENTS["market"] in application and "market" not in application
    assert clerk.locator("[data-testid=task-submit]").inner_text().replace("\n", "") == "提交Ctrl+Enter"
    assert clerk.locator("[data-testid=claim]").first.inner_text() == "签收"  # no space forced into the label
    shot(clerk, "workbench-task")
    clerk.click("[data-testid=action-correct]")
    clerk.wait_for_selector("[data-testid=correction-builder]")
    clerk.check("[data-testid='deficient-M01']")
    clerk.fill("[data-testid='problem-M01']", "营业执照复印件不清晰")
    shot(clerk, "workbench-correction-notice")
    clerk.click("[data-testid=correction-send]")
    clerk.wait_for_selector("[data-testid=task-page]", state="detached")
    stored = case_of(clerk, server, case_id)
    assert stored["status"] == "awaiting_correction"
    assert [(c["round"], [i["name"] for i in c["items"]]) for c in stored["corrections"]] == [(1, ["营业执照"])]
    assert "营业执照复印件不清晰" in stored["corrections"][0]["notice_text"]

    # The applicant reads the notice and answers it.
    applicant.goto(f"{server}/ui/portal/cases/{case_id}")
    applicant.wait_for_selector("[data-testid=correction-items]:has-text('营业执照复印件不清晰')")
    assert applicant.locator("[data-testid=case-status]").first.inner_text() == "待补正"
    applicant.fill("[data-testid=correction] textarea", "已重新上传清晰的营业执照")
    shot(applicant, "portal-correction")
    applicant.click("[data-testid=correction] button[type=submit]")
    applicant.wait_for_selector("[data-testid=correction]", state="detached")
    stored = case_of(applicant, server, case_id)
    assert stored["status"] == "in_progress" and stored["corrections"][0]["resubmitted_at"] is not None

    open_task(clerk, server, "窗口受理")
    clerk.click("[data-testid=action-accept]")
    clerk.wait_for_selector("[data-testid=task-page]", state="detached")
    steps = case_of(clerk, server, case_id)["current_tasks"]
    assert sorted((t["element_id"], t["loop_item"]) for t in steps) == [("review", "fire"), ("review", "market")]

    # Two departments countersign in parallel.
    for username in ("market1", "fire1"):
        approver = login(username)
        page_errors.append(approver)
        open_task(approver, server, "部门会签")
        department = DEPARTMENTS[username.removesuffix("1")]
        assert approver.locator("[data-testid=task-loop-item]").inner_text() == department
        assert approver.locator("[data-testid=task-link]").first.inner_text() == f"部门会签 · {department}"
        # A countersign step approves or not: no acceptance decisions, no e-licence.
        assert buttons(approver) == {"action-approve", "action-disapprove"}
        history = history_text(approver)
        assert "一次性告知补正" in history and "提交补正材料" in history
        entry = approver.locator("[data-testid=history-entry][data-action='task.completed']", has_text="窗口受理")
        assert [e.locator("[data-testid=history-decision]").inner_text().strip() for e in entry.all()] \
            == ["要求补正", "受理"]
        approver.fill("[data-testid=opinion]", f"{username} 同意")
        if username == "market1":
            shot(approver, "workbench-countersign")
        approver.click("[data-testid=action-approve]")
        approver.wait_for_selector("[data-testid=task-page]", state="detached")
        left = [t["loop_item"] for t in case_of(approver, server, case_id)["current_tasks"]
                if t["element_id"] == "review"] if username == "market1" else None
        assert left in (["fire"], None)
    assert [t["element_id"] for t in case_of(clerk, server, case_id)["current_tasks"]] == ["issue"]

    # The window issues the e-licence and the result.
    open_task(clerk, server, "窗口出件")
    # The step that hands out the result offers the e-licence; the departments' opinions are in the history.
    assert buttons(clerk) == {"issue-licence"}
    history = history_text(clerk)
    assert "签署意见 · 部门会签" in history and "market1 同意" in history and "fire1 同意" in history
    clerk.click("[data-testid=issue-licence]")
    clerk.fill("[data-testid=licence-holder-name]", COMPANY)
    clerk.fill("[data-testid=licence-holder-id]", APPLICANT_ID)
    clerk.click("[data-testid=issue-licence-ok]")
    clerk.wait_for_selector("[data-testid=issued-licence]")
    licence_number = case_of(clerk, server, case_id)["licences"][0]
    assert clerk.locator("[data-testid=issue-licence]").count() == 0  # issued once; the tag shows its number
    clerk.click("[data-testid=task-form] .ant-select")
    assert clerk.locator(".ant-select-item-option[title=window]").count() == 0  # the options read in Chinese
    clerk.locator(".ant-select-item-option[title=邮寄送达]").locator("visible=true").first.click()
    clerk.click("[data-testid=task-submit]")
    clerk.wait_for_selector("[data-testid=task-page]", state="detached")
    shot(clerk, "workbench-queue")
    stored = case_of(clerk, server, case_id)
    assert stored["status"] == "completed" and stored["closed_at"] is not None

    # The applicant sees the result, downloads the signed e-licence and rates the service.
    applicant.goto(f"{server}/ui/portal/cases/{case_id}")
    applicant.wait_for_selector("[data-testid=result]")
    assert applicant.locator("[data-testid=case-status]").first.inner_text() == "已办结"
    assert licence_number in applicant.locator("[data-testid=licence]").inner_text()
    with applicant.expect_download() as download:
        applicant.click("[data-testid=licence-download]")
    document = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert download.value.suggested_filename == f"{licence_number}.json" and document["signature"]
    applicant.locator("[data-testid=rate-stars] li").nth(1).locator("div[role=radio]").click()
    applicant.fill("[data-testid=rate-comment]", "等待时间较长")
    applicant.click("[data-testid=rate-submit]")
    applicant.wait_for_selector("[data-testid=rated]")
    assert "等待时间较长" in applicant.locator("[data-testid=rated]").inner_text()
    rating = case_of(applicant, server, case_id)["rating"]
    assert (rating["score"], rating["comment"]) == (2, "等待时间较长")
    shot(applicant, "portal-result")

    # The receipt's QR link opens the public progress page without a session, and no personal data.
    anonymous = browser.new_context(viewport={"width": 1024, "height": 800}, locale="zh-CN")
    public = anonymous.new_page()
    # Typed in by number alone (numbers can be guessed), the page asks for the receipt's query code.
    public.goto(f"{server}/progress/{number}")
    public.wait_for_selector("[data-testid=progress-ask]")
    public.fill("[data-testid=progress-code]", "WRONGCODE2")
    public.click("[data-testid=progress-submit]")
    public.wait_for_selector("[data-testid=progress-error]")
    assert "查询码不正确" in public.locator("[data-testid=progress-error]").inner_text()
    assert "E2E 测试许可" not in public.locator("body").inner_text()
    public.goto(progress_url)
    public.wait_for_selector("[data-testid=public-progress]")
    assert public.url == f"{server}/ui/progress/{number}?code={code}"
    assert public.locator("[data-testid=public-status]").inner_text() == "已办结"
    assert public.request.get(f"{server}/api/v1/cases/{case_id}").status == 401  # really no session
    text = public.locator("body").inner_text()
    assert number in text and "E2E 测试许可" in text and "窗口受理" in text
    for personal in ("zhang3", APPLICANT_ID, APPLICANT_ID[-6:], COMPANY, "clerk1", "market1"):
        assert personal not in text
    shot(public, "public-progress")
    anonymous.close()

    # The window opens a case for a citizen and prints the receipt with its QR code.
    clerk.goto(f"{server}/ui/window")
    pick(clerk, "window-item", "E2E 测试许可")
    clerk.fill("[data-testid=window-applicant]", "li4")
    clerk.fill("[data-testid=window-id-number]", OTHER_ID)
    clerk.fill("form input[id$=company]", "苏州另一家公司")
    clerk.set_input_files("[data-testid=material-licence_copy] input[type=file]",
                          str(png_file(tmp_path / "执照.png", 32)))
    clerk.wait_for_selector("[data-testid=material-licence_copy] [data-testid=material-name]")
    clerk.check(f"form label.ant-checkbox-wrapper:has-text('{DEPARTMENTS['market']}') input")
    clerk.click("form button[type=submit]")
    clerk.wait_for_selector("[data-testid=receipt-qr]")
    assert loaded_image_width(clerk, "[data-testid=receipt-qr]") > 0
    second = clerk.locator("[data-testid=receipt-number]").inner_text()
    window_case = next(c for c in api_get(clerk, server, "/cases?limit=50")["items"] if c["tracking_number"] == second)
    assert (window_case["channel"], window_case["window"], window_case["applicant_user"]) == ("window", "window", "li4")
    shot(clerk, "window-receipt")

    # The supervisor sees both cases, the statistics with the rating and the poor rating, and drills down.
    supervisor = login("super1")
    page_errors.append(supervisor)
    supervisor.goto(f"{server}/ui/supervision")
    supervisor.wait_for_selector("[data-testid=chart-item] canvas")
    table = supervisor.locator("[data-testid=all-cases]")
    for tracking in (number, second):
        assert table.locator(f"tr:has-text('{tracking}')").count() == 1
    row = supervisor.locator(f"[data-testid=statistics] tr:has-text('{ITEM}')")
    assert row.locator("td").nth(1).inner_text() == "2" and row.locator("td").nth(6).inner_text() == "1"
    assert supervisor.locator(f"[data-testid=flagged-ratings] tr:has-text('{number}')").count() == 1
    flagged = api_get(supervisor, server, "/ratings/flagged")
    assert [(r["tracking_number"], r["score"]) for r in flagged] == [(number, 2)]
    shot(supervisor, "supervision-dashboard")
    supervised = api_get(supervisor, server, "/supervision/cases?open_only=false")
    assert {r["tracking_number"]: r["case_id"] for r in supervised}[number] == case_id
    assert supervisor.locator("[data-testid=statistics]").inner_text().count("E2E 测试许可") == 1
    table.locator(f"tr:has-text('{number}') [data-testid=drill]").click()
    supervisor.wait_for_selector("[data-testid=drill-case]")
    assert supervisor.locator("[data-testid=drill-rating]").inner_text().endswith("2")
    supervisor.wait_for_selector("[data-testid=drill-application] label:has-text('企业名称')")
    drilled = history_text(supervisor, "[data-testid=drill-case]")
    assert "签发电子证照" in drilled and licence_number in drilled and "评价" in drilled
    shot(supervisor, "supervision-drilldown")
    supervisor.keyboard.press("Escape")
    supervisor.wait_for_selector("[data-testid=drill-case]", state="hidden")
    supervisor.click("[data-testid=lang-toggle]")  # the same history in English
    table.locator(f"tr:has-text('{number}') [data-testid=drill]").click()
    supervisor.wait_for_selector("[data-testid=drill-case] [data-testid=history]:has-text('Case opened')")
    drilled = history_text(supervisor, "[data-testid=drill-case]")
    assert "Case opened" in drilled and "E-licence issued" in drilled and "收件登记" not in drilled

    for page in page_errors:
        assert page.errors == []
