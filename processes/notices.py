"""Texts of the notices handed to applicants: corrections, deficiencies and refusals.

The correction notice is the legal one-time notice (一次性告知, 《行政许可法》第三十二条):
it must list *everything* to be corrected, so it is generated from the structured
list and nothing else. Texts name the case by its tracking number only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from engine.calendar import CST

ITEM_KINDS = {"material": "材料", "field": "表单项"}
PROMISE_KINDS = {"deficiency": "容缺受理", "commitment": "告知承诺"}


def validate_items(items: Any) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Normalised deficiency items and every problem found, as (JSON pointer, message)."""
    if not isinstance(items, list) or not items:
        return [], [{"pointer": "", "message": "list at least one deficient material or field"}]
    clean, errors = [], []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append({"pointer": f"/{index}", "message": "each item is an object"})
            continue
        if item.get("kind") not in ITEM_KINDS:
            errors.append({"pointer": f"/{index}/kind", "message": "kind is 'material' or 'field'"})
        for key in ("name", "problem"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                errors.append({"pointer": f"/{index}/{key}", "message": f"{key} is required"})
        for key in ("ref", "requirement"):
            if item.get(key) is not None and not isinstance(item[key], str):
                errors.append({"pointer": f"/{index}/{key}", "message": f"{key} is text"})
        unknown = set(item) - {"kind", "name", "problem", "ref", "requirement"}
        errors.extend({"pointer": f"/{index}/{key}", "message": "unknown key"} for key in sorted(unknown))
        clean.append({k: item[k].strip() for k in ("kind", "ref", "name", "problem", "requirement")
                      if isinstance(item.get(k), str) and item[k].strip()})
    return clean, errors


def _lines(items: Sequence[dict[str, str]]) -> list[str]:
    lines = []
    for number, item in enumerate(items, 1):
        line = f"{number}. {ITEM_KINDS[item['kind']]}“{item['name']}”：{item['problem']}"
        if item.get("requirement"):
            line += f"。要求：{item['requirement']}"
        lines.append(line + "。")
    return lines


def _day(at: datetime) -> str:
    local = at.astimezone(CST)
    return f"{local.year}年{local.month}月{local.day}日"


def correction_notice(*, tracking_number: str, item_name: str, department: str, round: int,
                      items: Sequence[dict[str, str]], issued_at: datetime) -> str:
    heading = "补正材料通知书（一次性告知）" + (f"（第{round}次）" if round > 1 else "")
    return "\n".join([
        heading,
        f"办件编号：{tracking_number}",
        f"申请事项：{item_name}",
        "经审查，您提交的申请材料不齐全或者不符合法定形式。依据《中华人民共和国行政许可法》第三十二条，"
        "现一次性告知您需要补正的全部内容如下：",
        *_lines(items),
        "补正期间不计入办理时限；您提交补正材料后，办理时限继续计算。",
        f"{department}　{_day(issued_at)}",
    ])


def promise_notice(*, kind: str, tracking_number: str, item_name: str, department: str,
                   items: Sequence[dict[str, str]], due_at: datetime, granted_at: datetime) -> str:
    promise = ("您承诺在下列期限内补齐以下材料，逾期未补齐的，将依法处理："
               if kind == "deficiency" else
               "您已书面承诺符合下列条件并将在期限内提交相关材料，逾期未提交或承诺不实的，将依法撤销相关决定：")
    return "\n".join([
        f"{PROMISE_KINDS[kind]}告知书",
        f"办件编号：{tracking_number}",
        f"申请事项：{item_name}",
        f"您的申请已予{PROMISE_KINDS[kind]}。{promise}",
        *_lines(items),
        f"补齐期限：{_day(due_at)}前。",
        f"{department}　{_day(granted_at)}",
    ])


def refusal_notice(*, tracking_number: str, item_name: str, department: str, reason: str,
                   basis: str | None, refused_at: datetime) -> str:
    return "\n".join([
        "不予受理通知书",
        f"办件编号：{tracking_number}",
        f"申请事项：{item_name}",
        f"经审查，您的申请不予受理。理由：{reason}" + (f"（依据：{basis}）" if basis else "") + "。",
        "如不服本决定，可以自收到本通知书之日起六十日内依法申请行政复议，或者六个月内依法提起行政诉讼。",
        f"{department}　{_day(refused_at)}",
    ])
