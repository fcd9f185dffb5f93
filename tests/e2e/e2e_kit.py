"""Helpers for the browser tests (fixtures are in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from support import second_factor

SCREENSHOTS = Path(__file__).parent / "screenshots"
PASSWORD = "Correct-Horse-9"


def shot(page, name: str) -> Path:
    """Save a full-page screenshot for review as tests/e2e/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def pick(page, select_testid: str, option_text: str) -> None:
    """Choose an option of a searchable antd Select: type its text, take the match."""
    page.click(f"[data-testid={select_testid}]")
    page.keyboard.type(option_text)
    page.locator(f".ant-select-item-option-active[title='{option_text}']").locator("visible=true").first.wait_for()
    page.keyboard.press("Enter")


def png_file(path: Path, size: int = 24) -> Path:
    """Write a real PNG (a grey square) to ``path``: a material an applicant uploads."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x90" * size for _ in range(size))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return path


def api_get(page, server: str, path: str):
    """GET /api/v1<path> with the page's session (the stored effect of what the screen just did)."""
    response = page.request.get(f"{server}/api/v1{path}")
    assert response.ok, (path, response.status, response.text())
    return response.json()


def loaded_image_width(page, selector: str) -> int:
    """Wait until the image at ``selector`` has loaded (or failed) and return its natural width (0: broken)."""
    page.wait_for_function("s => { const img = document.querySelector(s); return img && img.complete; }",
                           arg=selector)
    return page.locator(selector).first.evaluate("img => img.naturalWidth")


def pass_second_factor(page, username: str, *, screenshots: str | None = None) -> None:
    """After the password: type the app's code, or set the second factor up on the enrolment screen, as a person
    does with their phone (the code computed from the secret shown). ``screenshots``: a prefix to keep each screen."""
    page.wait_for_selector("[data-testid=whoami], #login-code, [data-testid=enrol-secret], [data-testid=login-error]")
    if page.locator("#login-code").count():
        page.fill("#login-code", second_factor.code_for(username))
        page.click("[data-testid=login-code-submit]")
    elif page.locator("[data-testid=enrol-secret]").count():
        secret = page.inner_text("[data-testid=enrol-secret]").replace(" ", "").strip()
        authenticator = second_factor.remember(username, secret)
        if screenshots:
            loaded_image_width(page, "[data-testid=enrol-qr]")
            shot(page, f"{screenshots}-enrol")
        page.fill("#enrol-code", authenticator.code())
        page.click("[data-testid=enrol-confirm]")
        page.wait_for_selector("[data-testid=recovery-codes] li")
        authenticator.recovery_codes = page.locator("[data-testid=recovery-codes] li").all_inner_texts()
        if screenshots:
            shot(page, f"{screenshots}-recovery-codes")
        page.click("[data-testid=recovery-saved]")
