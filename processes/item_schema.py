"""The shape of ``item.json`` (a service item's catalogue data) as a JSON Schema, and its labels.

Keys are English and stable; every enumerated value has its Chinese label here,
used by the service guide. The rules a schema cannot say (承诺时限 ≤ 法定时限,
region code vs. level, the accept-with-deficiencies options ...) are in
:mod:`processes.item_models`.
"""

from __future__ import annotations

from forms.filetypes import MEDIA_TYPES

FORMAT = "yiwang-item/1"

ITEM_TYPES = {
    "licence": "行政许可",
    "confirmation": "行政确认",
    "benefit": "行政给付",
    "levy": "行政征收",
    "ruling": "行政裁决",
    "award": "行政奖励",
    "public_service": "公共服务",
    "other": "其他行政权力",
}
LEVELS = {"province": "省级", "city": "市级", "county": "县级", "township": "乡镇(街道)级", "village": "村(社区)级"}
ONLINE_DEPTHS = {
    1: "一级:网上发布办事指南",
    2: "二级:网上预约、下载表格",
    3: "三级:网上预审、网上受理",
    4: "四级:全程网办",
}
DELIVERY = {"window": "窗口领取", "mail": "邮寄送达", "electronic": "电子证照/电子送达"}
ORIGINALS = {"original": "原件", "copy": "复印件", "original-and-copy": "原件及复印件", "electronic": "电子材料"}

_TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}
_NAME = {"type": "string", "minLength": 2, "maxLength": 200}
_DAYS = {"type": "number", "exclusiveMinimum": 0, "maximum": 1000}
FORM_KEY = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_.-]{0,199}$"}
IDENTIFIER = {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,63}$"}

_MATERIAL = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code", "name"],
    "properties": {
        "code": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,64}$"},
        "name": _NAME,
        "required": {"type": "boolean"},
        "original": {"enum": list(ORIGINALS)},
        "copies": {"type": "integer", "minimum": 0, "maximum": 100},
        "formats": {"type": "array", "items": {"enum": sorted(MEDIA_TYPES)}, "minItems": 1, "uniqueItems": True},
        "e_licence": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 64},
                      "uniqueItems": True},
        "basis": _TEXT,
        "note": _TEXT,
        "deficiency_allowed": {"type": "boolean"},
        "commitment_allowed": {"type": "boolean"},
    },
}

_OPTION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["enabled"],
    "properties": {"enabled": {"type": "boolean"}, "deadline_days": _DAYS, "note": _TEXT},
}

ITEM_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["format", "code", "name", "type", "department", "level", "region_code", "legal_basis",
                 "time_limits", "online_depth", "delivery", "application_form", "process_id", "materials"],
    "properties": {
        "format": {"const": FORMAT},
        "code": {"type": "string", "pattern": r"^[0-9A-Z](?:[0-9A-Z]|-(?=[0-9A-Z])){5,63}$"},
        "name": _NAME,
        "type": {"enum": list(ITEM_TYPES)},
        "department": {
            "type": "object", "additionalProperties": False, "required": ["name"],
            "properties": {"name": _NAME, "uscc": {"type": "string", "format": "cn-uscc"}},
        },
        "level": {"enum": list(LEVELS)},
        "region_code": {"type": "string", "pattern": r"^[1-9][0-9]{5}(?:[0-9]{3}(?:[0-9]{3})?)?$"},
        "legal_basis": {
            "type": "array", "minItems": 1,
            "items": {"type": "object", "additionalProperties": False, "required": ["title"],
                      "properties": {"title": _NAME, "article": {"type": "string", "maxLength": 100},
                                     "text": _TEXT}},
        },
        "conditions": {"type": "array", "items": _TEXT},
        "time_limits": {
            "type": "object", "additionalProperties": False, "required": ["statutory_days", "promised_days"],
            "properties": {"statutory_days": _DAYS, "promised_days": _DAYS, "note": _TEXT},
        },
        "fees": {
            "type": "array",
            "items": {"type": "object", "additionalProperties": False, "required": ["name", "amount_yuan"],
                      "properties": {"name": _NAME, "amount_yuan": {"type": "number", "minimum": 0,
                                                                   "maximum": 100_000_000},
                                     "unit": {"type": "string", "maxLength": 50}, "basis": _TEXT}},
        },
        "online_depth": {"enum": list(ONLINE_DEPTHS)},
        "at_most_one_visit": {"type": "boolean"},
        "zero_visit": {"type": "boolean"},
        "delivery": {"type": "array", "items": {"enum": list(DELIVERY)}, "minItems": 1, "uniqueItems": True},
        "application_form": FORM_KEY,
        "process_id": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_.-]{0,254}$"},
        "roles": {"type": "object", "propertyNames": {"pattern": r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$"},
                  "additionalProperties": _NAME},
        "materials": {"type": "array", "items": _MATERIAL},
        "options": {
            "type": "object", "additionalProperties": False,
            "properties": {"accept_with_deficiencies": _OPTION, "notification_commitment": _OPTION},
        },
        "one_thing": {
            "type": "object", "additionalProperties": False, "required": ["case_form", "parts"],
            "properties": {
                "case_form": FORM_KEY,
                "parts": {
                    "type": "array", "minItems": 2, "maxItems": 20,
                    "items": {"type": "object", "additionalProperties": False,
                              "required": ["key", "code", "name", "department", "form"],
                              "properties": {"key": IDENTIFIER, "code": {"type": "string", "minLength": 6,
                                                                          "maxLength": 64},
                                             "name": _NAME, "department": _NAME, "form": FORM_KEY}},
                },
            },
        },
        "result": {
            "type": "object", "additionalProperties": False, "required": ["name"],
            "properties": {"name": _NAME, "e_licence_type": {"type": "string", "maxLength": 64}},
        },
        "service_hall": {
            "type": "object", "additionalProperties": False,
            "properties": {"address": _TEXT, "hours": _TEXT, "phone": {"type": "string", "maxLength": 100}},
        },
    },
}
