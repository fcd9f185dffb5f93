"""The case mix of a city's month, scripted: what each applicant submits and each desk enters.

Five kinds of case from ``examples/`` (share of the month in brackets — an assumed hall
mix, heavy on the rule-decided and window items as a city hall's is):

* 高龄津贴 elderly allowance (35 %): decided by the rules at once; one in five goes to an officer;
* 存量房转移登记 real-estate transfer (30 %): window, examination, register, hand-out; one in
  five needs a correction first;
* 企业开办 business start-up (15 %): window, four departments in parallel, hand-out;
* one-window approval (15 %): window, 3-department countersign, decision, hand-out;
* 施工许可 construction permit (5 %): window, inspection by 3, experts, countersign by 4,
  decision, hand-out.

Everything is plain data keyed by the BPMN element id, so the persisted run (rq
workers) and the in-memory reference work exactly the same steps.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from stdnum.cn import ric, uscc

MIX = (("elderly", 35), ("real_estate", 30), ("startup", 15), ("one_window", 15), ("permit", 5))
FOLDERS = {"elderly": "elderly_allowance", "real_estate": "real_estate_transfer", "startup": "business_startup",
           "permit": "industrial_construction_permit"}
CODES = {"elderly": "340503-XZGF-GLJT-001", "real_estate": "340500-XZQR-BDC-012",
         "startup": "340500-YJS-QYKB-001", "permit": "340500-XK-SGXK-007"}
ONE_WINDOW = "one_window_approval"


def kind_of(case_no: int) -> str:
    """The kind of the n-th case of the month, spread evenly through the month."""
    slot = (case_no * 37) % 100
    for kind, share in MIX:
        if slot < share:
            return kind
        slot -= share
    raise AssertionError("shares add up to 100")


def resident_id(region: str, birth: str, sequence: str) -> str:
    base = region + birth + sequence
    return base + ric.calc_check_digit(base + "0")


def credit_code(region: str = "340500", organisation: str = "MA2T8K3L9") -> str:
    base = "91" + region + organisation
    return base + uscc.calc_check_digit(base)


def _licence(kind: str, number: str) -> dict[str, str]:
    return {"source": "licence", "licence_type": kind, "licence_number": number}


def _upload(name: str, fmt: str = "pdf") -> dict[str, Any]:
    media = {"pdf": "application/pdf", "jpeg": "image/jpeg"}[fmt]
    return {"source": "upload", "sha256": "ab" * 32, "size": 20480, "format": fmt, "media_type": media, "name": name}


def application(kind: str, case_no: int) -> dict[str, Any]:
    """What the applicant submits (the item's application form, or the one-window start data)."""
    if kind == "elderly":
        local = case_no % 5 != 0
        submission = {"applicant": "li.gp", "name": "李桂萍", "mobile": "13905550123",
                      "id_number": resident_id("340503", f"{date.today().year - 88}0101", "021"),
                      "local_hukou": local, "residence_years": 30 if local else 7,
                      "id_card": _licence("CN-RESIDENT-ID", "340503-0001"),
                      "household_register": _licence("CN-HOUSEHOLD-REGISTER", "HS-2019-0421"),
                      "bank_card": _upload("社保卡.jpg", "jpeg")}
        if not local:
            submission["residence_permit"] = _licence("AH-RESIDENCE-PERMIT", "340503-JZ-2017-889")
        return submission
    if kind == "real_estate":
        return {"applicant": "zhang.wei", "transferee_name": "张伟", "mobile": "13805551111",
                "transferee_id": resident_id("340503", "19900215", "057"),
                "transferor_name": "刘芳", "transferor_id": resident_id("340504", "19650830", "024"),
                "certificate_number": "皖(2019)马鞍山市不动产权第0012345号",
                "property_address": "马鞍山市花山区湖东中路88号华润橡树湾5栋1单元1202室",
                "floor_area": 118.6, "price": 156.0,
                "identity_proof": _licence("CN-RESIDENT-ID", "340503-0215"),
                "certificate": _licence("CN-REAL-ESTATE-CERT", "皖(2019)马鞍山市不动产权第0012345号"),
                "contract": _upload("存量房买卖合同.pdf"),
                "tax_receipt": _licence("CN-TAX-PAYMENT-RECEIPT", "334056260000012345"),
                "marital_commitment": True}
    if kind == "startup":
        return {"company.name": "马鞍山市皖江智造科技有限公司", "applicant.name": "陈晓东",
                "applicant.id_number": resident_id("340504", "19880716", "035"), "applicant.mobile": "13955551234",
                "company.address": "马鞍山市雨山区湖东南路2000号创业园3号楼201室",
                "registration.company_type": "有限责任公司(自然人独资)", "registration.registered_capital": 100,
                "registration.business_scope": "工业自动控制系统装置制造;软件开发",
                "registration.legal_rep_id_proof": _licence("CN-RESIDENT-ID", "340504-0716"),
                "registration.articles": _upload("公司章程.pdf"),
                "seal.seal_types": ["公章", "财务专用章", "发票专用章"], "seal.seal_maker": "马鞍山市印章刻制服务中心",
                "tax.taxpayer_type": "小规模纳税人", "tax.invoice_types": ["数电发票(普通发票)"],
                "tax.accountant_name": "王丽", "tax.accountant_mobile": "13855556789",
                "social.employees": 6, "social.start_month": "2026-12"}
    if kind == "permit":
        return {"applicant": "ahgk.build", "company_name": "安徽皖江高端装备制造有限公司",
                "uscc": credit_code("340500", "MA8N2Q7X1"), "legal_rep_name": "孙建国",
                "legal_rep_id": resident_id("340500", "19720304", "017"), "mobile": "13605558888",
                "project_name": "年产2万台智能数控机床生产线项目1号厂房", "project_code": "2026-340500-34-03-012345",
                "site_address": "马鞍山经济技术开发区红旗南路以东、银黄东路以北", "floor_area": 32600,
                "investment": 8600,
                "planning_permit": _licence("CN-PLANNING-PERMIT", "建字第340500202600123号"),
                "land_certificate": _licence("CN-REAL-ESTATE-CERT", "皖(2025)马鞍山市不动产权第0054321号"),
                "contract": [_upload("中标通知书.pdf"), _upload("施工合同.pdf")], "drawing_commitment": True,
                "funding_commitment": _upload("建设资金落实承诺书.pdf")}
    if kind == "one_window":
        return {"applicant": "zhang3", "applicant_name": "张三", "mobile": "13800138000",
                "id_number": resident_id("110105", "19491231", "002"),
                "departments": ["market", "fire", "environment"]}
    raise ValueError(kind)


APPLICANTS = {"elderly": "li.gp", "real_estate": "zhang.wei", "startup": "chen.xd", "permit": "ahgk.build",
              "one_window": "zhang3"}

STEPS: dict[str, dict[str, dict[str, Any]]] = {
    "elderly": {"manual_review": {"review_decision": "approve", "monthly_amount": 200}},
    "real_estate": {
        "accept": {"acceptance": "accept", "fee_paid": True},
        "correct": {"supplement": "已补签并重新上传合同"},
        "review": {"review_decision": "approve", "encumbrances_checked": True},
        "record": {"unit_number": "340503001002GB00012F00051202",
                   "new_certificate_number": "皖(2026)马鞍山市不动产权第0098765号"},
        "issue": {"delivery": "mail", "tracking_number": "1186098765432"},
    },
    "startup": {
        "accept": {"acceptance": "accept"},
        "registration": {"registration_review": {"approved": True, "uscc": credit_code()}},
        "seal": {"seal_review": {"approved": True}},
        "tax": {"tax_review": {"approved": True}},
        "social": {"social_review": {"approved": True}},
        "issue": {"delivery": "mail", "tracking_number": "1186012345678"},
    },
    "permit": {
        "accept": {"acceptance": "accept", "inspection_departments": ["housing", "planning", "fire"],
                   "countersign_departments": ["housing", "planning", "fire", "environment"]},
        "inspect": {"inspection": {"site_matches": True, "findings": "现场与图纸一致"}},
        "expert_review": {"expert_conclusion": "pass"},
        "countersign": {"opinion": {"approved": True}},
        "decide": {"decision": "approve", "permit_number": "340500202612010101"},
        "issue": {"delivery": "electronic"},
    },
    "one_window": {
        "accept": {"acceptance": "accept"},
        "review": {"opinion": {"approved": True}},
        "decide": {"decision": "approve"},
        "issue": {"delivery": "window"},
    },
}
CORRECTION = {"acceptance": "correct", "deficiencies": [
    {"kind": "material", "ref": "BDC-M03", "name": "存量房买卖合同", "problem": "合同第3页缺少出卖人签字",
     "requirement": "补签后重新上传"}]}


def step_data(kind: str, case_no: int, element_id: str, visits: int) -> dict[str, Any]:
    """What the desk enters at ``element_id``; ``visits`` = times this case has been there before."""
    if kind == "real_estate" and element_id == "accept" and case_no % 5 == 0 and visits == 0:
        return CORRECTION
    return STEPS[kind][element_id]
