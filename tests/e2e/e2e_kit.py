"""Helpers for the browser tests (fixtures are in conftest.py)."""

from __future__ import annotations

from pathlib import Path

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
