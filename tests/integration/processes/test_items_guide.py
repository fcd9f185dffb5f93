"""The service guide and the one-time notice are generated from the published version, so they never disagree."""

from __future__ import annotations

import html
import re
import shutil

import pytest

from items_kit import PERMIT, REAL_ESTATE, STARTUP, forms_bound_env, load, publish
from processes import bundles, guide, item_commands


@pytest.fixture
def env(db_engine):
    with forms_bound_env(db_engine) as env:
        yield env



def text_of(page: str) -> str:
    body = re.sub(r"<style>.*?</style>", "", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def rows(page: str, heading: str) -> list[list[str]]:
    """The rows of the first table after ``heading``, as cell texts."""
    section = page.split(f"<h2>{heading}</h2>", 1)[1].split("</table>", 1)[0]
    return [[text_of(cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, flags=re.DOTALL)]
            for row in re.findall(r"<tr>(.*?)</tr>", section, flags=re.DOTALL) if "<td>" in row]


def test_the_guide_lists_the_steps_of_the_pinned_process_with_their_handlers_and_time_limits(env):
    publish(env, STARTUP)
    page = item_commands.item_guide(env, "340500-YJS-QYKB-001")

    steps = rows(page, "办理流程")
    assert [s[1] for s in steps] == ["综合窗口受理", "申请人补正", "企业设立登记", "公章刻制备案",
                                     "涉税事项办理及发票申领", "单位参保登记", "综合窗口出件"]
    assert steps[0][2:4] == ["企业开办综合窗口", "0.5个工作日"]
    assert steps[1][2] == "申请人" and "不计入办理时限" in steps[1][4]
    assert steps[2][2] == "市市场监督管理局" and "并联" in steps[2][4]
    text = text_of(page)
    assert "全流程最长用时 2.5个工作日" in text and "承诺办结时限 3个工作日" in text
    assert [r[1] for r in rows(page, "“一件事”包含的事项")] == ["企业设立登记", "公章刻制备案", "新办纳税人涉税事项",
                                                          "单位参保登记"]
    assert "必要(可容缺)" in text and "受理后5个工作日内补齐" in text


def test_a_new_version_changes_the_guide_and_the_old_guide_stays_as_published(env, tmp_path):
    publish(env, REAL_ESTATE)
    faster = tmp_path / "bdc"
    shutil.copytree(REAL_ESTATE, faster)
    bpmn = faster / "real_estate_transfer.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace(
        'yw:formKey="bdc_review" yw:timeLimit="2"', 'yw:formKey="bdc_review" yw:timeLimit="1"'), encoding="utf-8")
    bundles.import_bundle(env.unit_of_work(), load(faster))

    latest = rows(item_commands.item_guide(env, "340500-XZQR-BDC-012"), "办理流程")
    first = rows(item_commands.item_guide(env, "340500-XZQR-BDC-012", version=1), "办理流程")

    assert [s[3] for s in first if s[1] == "登记审核"] == ["2个工作日"]
    assert [s[3] for s in latest if s[1] == "登记审核"] == ["1个工作日"]


def test_the_guide_shows_fees_legal_basis_and_delivery(env):
    publish(env, REAL_ESTATE)
    text = text_of(item_commands.item_guide(env, "340500-XZQR-BDC-012"))
    assert "不动产登记费(住宅类) 80元/件" in text
    assert "《不动产登记暂行条例》第二十条" in text
    assert "窗口领取、邮寄送达、电子证照/电子送达" in text
    assert "必要(可告知承诺)" in text and "10个工作日内提交或接受核查" in text


def test_the_notice_lists_what_this_applicant_must_correct(env):
    publish(env, PERMIT)
    page = item_commands.item_notice(env, "340500-XK-SGXK-007", case_number="SGXK-2026-0107", deficiencies=[
        {"kind": "material", "ref": "SGXK-M03", "name": "中标通知书及施工合同", "problem": "合同未盖骑缝章"},
        {"kind": "field", "ref": "/floor_area", "name": "建筑面积", "problem": "与规划许可不一致",
         "requirement": "按规划许可证填写"},
        "法定代表人授权委托书需本人签字",
    ])
    text = text_of(page)
    assert "办件编号:SGXK-2026-0107" in text
    assert "中标通知书及施工合同 合同未盖骑缝章" in text
    assert "建筑面积 与规划许可不一致;按规划许可证填写" in text
    assert "法定代表人授权委托书需本人签字" in text
    assert "告知承诺" in text


def test_the_blank_notice_lists_every_material_of_the_item(env):
    publish(env, STARTUP)
    with env.unit_of_work() as uow:
        page = guide.notice_for(uow.session, "340500-YJS-QYKB-001")
    text = text_of(page)
    for name in ("法定代表人身份证明", "公司章程", "住所(经营场所)使用证明", "刻制印章委托书"):
        assert name in text
