"""The guide and the notice pages: printable Chinese HTML with every value escaped."""

from __future__ import annotations

from datetime import date

from catalogue_kit import bpmn, checked, item
from processes.guide import render_guide, render_notice

EVIL = '<script>alert("x")</script>'


def test_every_value_is_escaped_in_the_guide():
    document = item(name=f"测试{EVIL}", legal_basis=[{"title": "《条例》", "text": '"><img src=x onerror=alert(1)>'}],
                    materials=[{"code": "M1", "name": "营业执照", "e_licence": ["CN-BUSINESS-LICENCE"],
                                "note": "</td></tr></table>"}])
    result = checked(item_document=document,
                     files={"permit.bpmn": bpmn().replace(b'name="\xe5\xae\xa1\xe6\x9f\xa5"',
                                                          b'name="&lt;b&gt;\xe5\xae\xa1\xe6\x9f\xa5&lt;/b&gt;"')})
    page = render_guide(result.item, result.outline, version=3)

    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;" in page
    assert "&lt;b&gt;审查&lt;/b&gt;" in page


def test_the_guide_is_a_printable_page_without_scripts_or_outside_resources():
    result = checked()
    page = render_guide(result.item, result.outline)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    assert "@media print" in page and "@page" in page
    assert "<script" not in page and "http://" not in page.split("</style>", 1)[1]
    assert "测试许可" in page and "办理流程" in page and "申请材料" in page and "设定依据" in page


def test_the_notice_escapes_what_the_clerk_typed_and_dates_the_seal():
    result = checked()
    page = render_notice(result.item, applicant="张三", case_number="ZW-1", issued_on=date(2026, 12, 1),
                         deficiencies=[{"kind": "field", "name": "姓名", "problem": EVIL}, "补交<照片>"])
    assert "<script" not in page and "补交&lt;照片&gt;" in page
    assert "2026年12月1日" in page and "一次性告知" in page and "行政许可法》第三十二条" in page
