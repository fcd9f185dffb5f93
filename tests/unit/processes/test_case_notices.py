"""Notice texts: the one-time correction notice lists everything; refusals name the remedies."""

from __future__ import annotations

from datetime import datetime

from engine.calendar import CST
from processes.notices import correction_notice, promise_notice, refusal_notice, validate_items

ITEMS = [
    {"kind": "material", "ref": "M0001", "name": "营业执照复印件", "problem": "字迹不清",
     "requirement": "提交清晰复印件"},
    {"kind": "field", "ref": "/mobile", "name": "手机号码", "problem": "无法接通"},
]


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CST)


def test_every_problem_in_a_deficiency_list_is_reported_at_once():
    clean, errors = validate_items([{"kind": "paper", "name": " ", "problem": 3, "extra": 1}, "x"])
    assert [e["pointer"] for e in errors] == ["/0/kind", "/0/name", "/0/problem", "/0/extra", "/1"]
    assert validate_items([])[1] == [{"pointer": "", "message": "list at least one deficient material or field"}]


def test_a_clean_list_is_kept_with_its_optional_parts():
    clean, errors = validate_items([{**ITEMS[0], "name": " 营业执照复印件 "}, ITEMS[1]])
    assert (clean, errors) == (ITEMS, [])


def test_the_correction_notice_lists_every_item_numbered_and_says_the_clock_stops():
    text = correction_notice(tracking_number="SPJY0001-320505-20260928-00001X", item_name="食品经营许可",
                             department="市场监管局", round=1, items=ITEMS, issued_at=at(2026, 9, 28, 11))
    lines = text.splitlines()
    assert lines[0] == "补正材料通知书（一次性告知）"
    assert "1. 材料“营业执照复印件”：字迹不清。要求：提交清晰复印件。" in lines
    assert "2. 表单项“手机号码”：无法接通。" in lines
    assert "补正期间不计入办理时限" in text and lines[-1] == "市场监管局　2026年9月28日"


def test_a_second_round_says_so():
    text = correction_notice(tracking_number="N", item_name="I", department="D", round=2, items=ITEMS,
                             issued_at=at(2026, 9, 28))
    assert text.splitlines()[0] == "补正材料通知书（一次性告知）（第2次）"


def test_promise_and_refusal_notices_name_deadline_reason_and_remedies():
    promise = promise_notice(kind="commitment", tracking_number="N", item_name="I", department="D", items=ITEMS,
                             due_at=at(2026, 10, 8, 23), granted_at=at(2026, 9, 28))
    assert promise.startswith("告知承诺告知书") and "补齐期限：2026年10月8日前。" in promise
    refusal = refusal_notice(tracking_number="N", item_name="I", department="D", reason="不属于本机关职权范围",
                             basis=None, refused_at=at(2026, 9, 28))
    assert "理由：不属于本机关职权范围。" in refusal and "行政复议" in refusal and "行政诉讼" in refusal
