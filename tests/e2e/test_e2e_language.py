"""Chinese by default, English selectable, and the choice survives a reload."""

from __future__ import annotations

from e2e_kit import shot


def test_the_ui_is_chinese_by_default_and_english_on_request(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{server}/ui/")
    page.wait_for_selector("[data-testid=login-submit]")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "登" in page.inner_text("[data-testid=login-submit]")
    shot(page, "login-zh")
    page.click("[data-testid=lang-toggle]")
    assert page.inner_text("[data-testid=login-submit]") == "Log in"
    page.reload()
    page.wait_for_selector("[data-testid=login-submit]")
    assert page.inner_text("[data-testid=login-submit]") == "Log in"
    assert page.locator("html").get_attribute("lang") == "en"
    context.close()


def test_the_ui_is_served_with_its_own_policy_and_a_spa_fallback(server):
    import requests

    index = requests.get(f"{server}/ui/workbench/some-task", timeout=10)
    assert index.status_code == 200
    assert "script-src 'self'" in index.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in index.headers["Content-Security-Policy"]
    assert requests.get(f"{server}/ui/assets/missing.js", timeout=10).status_code == 404
