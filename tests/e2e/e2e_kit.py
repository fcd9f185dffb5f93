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
