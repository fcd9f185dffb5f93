"""Signing in as an administrator in the browser: setting up the second factor, the code step, and renewing a
password a security administrator reset (with the code)."""

from __future__ import annotations

import pyotp

from e2e_kit import PASSWORD, api_get, loaded_image_width, pass_second_factor, shot
from support import second_factor


def _fresh_page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server}/ui/login")
    return context, page


def _password_step(page, username: str, password: str = PASSWORD) -> None:
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("[data-testid=login-submit]")


def test_an_administrator_sets_up_the_second_factor_then_signs_in_with_its_code(browser, server):
    context, page = _fresh_page(browser, server)
    try:
        _password_step(page, "sec")
        page.wait_for_selector("[data-testid=enrol-qr]")
        assert loaded_image_width(page, "[data-testid=enrol-qr]") > 0  # the QR code shows (CSP allows data: images)
        assert "设置双因素认证" in page.inner_text("body") and page.locator("[data-testid=whoami]").count() == 0
        page.reload()  # the session still only sets up the second factor: a new secret
        page.wait_for_selector("[data-testid=enrol-secret]")
        assert page.locator("[data-testid=whoami]").count() == 0 and page.locator(".ant-menu-item").count() == 0
        secret = page.inner_text("[data-testid=enrol-secret]").replace(" ", "")
        assert f"otpauth://totp/yiwang:sec?secret={secret}" in page.inner_text("body")
        shot(page, "sign-in-enrol")
        page.fill("#enrol-code", "000000")
        page.click("[data-testid=enrol-confirm]")
        page.wait_for_selector("[data-testid=enrol-error]")
        assert "验证码不正确" in page.inner_text("[data-testid=enrol-error]")
        authenticator = second_factor.remember("sec", secret)
        page.fill("#enrol-code", authenticator.code())
        page.click("[data-testid=enrol-confirm]")
        page.wait_for_selector("[data-testid=recovery-codes] li")
        codes = page.locator("[data-testid=recovery-codes] li").all_inner_texts()
        assert len(codes) == 10 and "只显示这一次" in page.inner_text("body")
        authenticator.recovery_codes = codes
        shot(page, "sign-in-recovery-codes")
        page.click("[data-testid=recovery-saved]")
        page.wait_for_selector("[data-testid=whoami]")
        assert api_get(page, server, "/session")["second_factor"] == "enrolled"

        page.click("[data-testid=logout]")
        _password_step(page, "sec")
        page.wait_for_selector("#login-code")  # the password alone does not sign in
        assert page.locator("[data-testid=whoami]").count() == 0
        shot(page, "sign-in-code")
        page.fill("#login-code", "123456" if pyotp.TOTP(secret).now() != "123456" else "654321")
        page.click("[data-testid=login-code-submit]")
        page.wait_for_selector("[data-testid=login-error]")
        assert "验证码不正确" in page.inner_text("[data-testid=login-error]")
        page.fill("#login-code", authenticator.code())
        page.click("[data-testid=login-code-submit]")
        page.wait_for_selector("[data-testid=whoami]")
    finally:
        context.close()


def test_an_administrator_renews_a_reset_password_with_their_code(browser, server, login):
    login("auditor1")  # enrolled at this first sign-in
    sec = login("sec")
    auditor_id = next(u["id"] for u in api_get(sec, server, "/users") if u["username"] == "auditor1")
    csrf = api_get(sec, server, "/session")["csrf_token"]
    reset = sec.request.post(f"{server}/api/v1/users/{auditor_id}/password", data={"password": "Told-Once-Pass-31"},
                             headers={"X-CSRF-Token": csrf})
    assert reset.status == 204, reset.text()

    context, page = _fresh_page(browser, server)
    try:
        _password_step(page, "auditor1", "Told-Once-Pass-31")
        page.wait_for_selector("#renew-new-password")
        assert page.locator("#renew-code").count() == 1  # an administrator renews with their code
        page.fill("#renew-new-password", "Password1234")
        page.fill("#renew-confirm-password", "Password1234")
        page.fill("#renew-code", second_factor.code_for("auditor1"))
        shot(page, "sign-in-renew")
        page.click("[data-testid=renew-submit]")
        page.wait_for_selector("[data-testid=login-error]")
        assert "常见密码" in page.inner_text("[data-testid=login-error]")
        assert page.input_value("#renew-code") == ""  # that code is used up: the next one is asked for
        shot(page, "sign-in-renew-refused")
        page.fill("#renew-new-password", "Auditors-Own-Pass-7")
        page.fill("#renew-confirm-password", "Auditors-Own-Pass-7")
        page.fill("#renew-code", second_factor.code_for("auditor1"))
        page.click("[data-testid=renew-submit]")
        page.wait_for_selector("[data-testid=login-notice]")
        _password_step(page, "auditor1", "Auditors-Own-Pass-7")
        pass_second_factor(page, "auditor1")
        page.wait_for_selector("[data-testid=whoami]")
        assert api_get(page, server, "/session")["roles"] == ["auditor"]
    finally:
        context.close()
