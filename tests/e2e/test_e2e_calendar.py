"""The working-day calendar in the browser: an administrator checks and loads a holiday notice file, sets a
local closure, and the supervisor sees what must still be loaded. And the browser checks an ID number with
the product's own rule before anything is sent.

The notice file is made up for the tests (tests/data/calendar/); no real notice's dates are shipped.
"""

from __future__ import annotations

from e2e_kit import api_get, shot
from support.paths import DATA

NOTICE = DATA / "calendar" / "notice-2027-made-up.csv"


def test_an_administrator_checks_loads_corrects_and_unloads_a_years_notice(login, server):
    admin = login("admin1")
    admin.click(".ant-menu-item:has-text('工作日历')")
    admin.wait_for_selector("[data-testid=calendar-years]")
    before = api_get(admin, server, "/calendar/status")
    for warning in before["warnings"]:  # e.g. "2027 年节假日安排通知尚未导入" from 1 November
        admin.wait_for_selector(f"[data-testid=calendar-warnings]:has-text('{warning['message'][:12]}')")
    assert "仅法定节假日(临时)" in admin.inner_text("[data-testid=calendar-years]") or all(
        not y["provisional"] for y in before["years"])

    # Choose the file, check it (nothing stored), then load it.
    admin.set_input_files("[data-testid=calendar-import] input[type=file]", str(NOTICE))
    admin.wait_for_function("() => document.querySelector('[data-testid=calendar-content]').value.includes('2027-02-09')")
    admin.click("[data-testid=calendar-check]")
    report = admin.inner_text("[data-testid=calendar-report]")
    assert "检查结果" in report and "2027: 22 全国日期" in report and "将顺延期限" in report
    assert api_get(admin, server, "/calendar/days?year=2027")[0]["source"] == "statutory"
    shot(admin, "calendar-check")
    admin.click("[data-testid=calendar-load]")
    admin.wait_for_selector("[data-testid=calendar-report]:has-text('已顺延期限')")
    admin.wait_for_selector("[data-testid=calendar-days]:has-text('2027-02-09')")
    days = admin.inner_text("[data-testid=calendar-days]")
    assert "春节调休上班" in days and "已导入通知" in days and "测试用通知〔2026〕1号" in days
    assert "2027\t已导入通知\t测试用通知〔2026〕1号" in admin.inner_text("[data-testid=calendar-years]")
    stored = {d["day"]: d for d in api_get(admin, server, "/calendar/days?year=2027")}
    assert (stored["2027-02-20"]["kind"], stored["2027-02-20"]["source"]) == ("workday", "notice")
    shot(admin, "calendar-loaded")

    # A bad line is refused, saying where and what, and nothing changes.
    admin.fill("[data-testid=calendar-content]", "2027-02-17,上班,调休,测试")
    admin.click("[data-testid=calendar-check]")
    assert "第 1 行：2027-02-17 是工作日（周三），调休上班日应为周六或周日" in admin.inner_text(
        "[data-testid=calendar-errors]")

    # A local closure beside the notice, then removed.
    admin.fill("[data-testid=local-name]", "台风停止办公")
    admin.fill("[data-testid=local-notice]", "市政府通知〔2027〕3号")
    admin.click("[data-testid=local-day]")
    admin.keyboard.type("2027-07-15")
    admin.keyboard.press("Enter")  # takes the date; the form is complete, so Enter also saves it
    admin.wait_for_selector("[data-testid=calendar-days] tr:has-text('2027-07-15'):has-text('本地闭馆')")
    assert [(d["day"], d["name"]) for d in api_get(admin, server, "/calendar/days?year=2027")
            if d["scope"] == "local"] == [("2027-07-15", "台风停止办公")]
    shot(admin, "calendar-local-day")
    admin.click("[data-testid=calendar-days] tr:has-text('2027-07-15') button:has-text('取消')")
    admin.wait_for_selector("[data-testid=calendar-days] tr:has-text('2027-07-15')", state="detached")

    # The shared test server goes back to the statutory holidays for 2027.
    admin.click("[data-testid=calendar-days] button:has-text('撤销本年通知')")
    admin.click(".ant-popconfirm button.ant-btn-primary")
    admin.wait_for_selector("[data-testid=calendar-days]:has-text('仅法定节假日(临时)')")
    assert api_get(admin, server, "/calendar/days?year=2027")[0]["source"] == "statutory"
    assert admin.errors == []


def test_the_supervision_dashboard_shows_what_the_calendar_lacks(login, server):
    supervisor = login("super1")
    supervisor.wait_for_selector("[data-testid=supervision]")
    warnings = api_get(supervisor, server, "/calendar/status")["warnings"]
    for warning in warnings:
        supervisor.wait_for_selector(f"[data-testid=calendar-warnings]:has-text('{warning['message'][:12]}')")
    if not warnings:
        assert supervisor.locator("[data-testid=calendar-warnings]").count() == 0
    assert supervisor.locator(".ant-menu-item:has-text('工作日历')").count() == 1  # read-only for supervisors
    shot(supervisor, "supervision-calendar-warning")


def test_the_browser_says_what_is_wrong_with_an_id_number_before_it_is_sent(login):
    designer = login("designer1")
    designer.wait_for_selector("[data-testid=form-builder]")
    designer.click("[data-testid=palette-fieldIdNumber]")
    field = designer.locator("[data-testid=form-preview] input").first
    field.fill("340503194001010210")  # 花山区, born 1940, one digit off
    requests = []
    designer.on("request", lambda r: requests.append(r.url) if "/api/" in r.url else None)
    designer.click("[data-testid=form-preview] button[type=submit]")
    designer.wait_for_selector("[data-testid=form-preview] :text('不是有效的居民身份证号码（校验码不正确）')")
    field.fill("340503194001010212")  # the same number with its right check digit: accepted
    designer.click("[data-testid=form-preview] button[type=submit]")
    designer.wait_for_selector("[data-testid=form-preview] :text('不是有效的居民身份证号码')", state="detached")
    assert requests == []  # checked in the browser, nothing sent
    shot(designer, "form-preview-id-check")
