"""Applicant-facing messages for every validation keyword, in zh-CN (default) and en.

Messages name the field by its ``title`` (``「身份证号」不是有效的居民身份证号码``).
A title in another language can be given with ``"x-titles": {"en": "ID number"}``;
without it the English message uses the title as written, then the property name.
Fields inside repeating groups are named with their position:
``「股东」第2项的「姓名」为必填项``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jsonschema import ValidationError

from forms import walk
from forms.errors import FieldError
from forms.pointer import to_pointer

DEFAULT_LOCALE = "zh-CN"
LOCALES = ("zh-CN", "en")

_T = {
    "required": ("{label}为必填项", "{label} is required"),
    "dependentRequired": (
        "填写了{trigger}时，{label}为必填项",
        "{label} is required when {trigger} is given",
    ),
    "type": ("{label}应为{expected}", "{label} must be {expected}"),
    "enum": (
        "{label}的值不在可选范围内{options}",
        "{label} must be one of the listed options{options}",
    ),
    "const": ("{label}的值必须为 {value}", "{label} must be {value}"),
    "minLength": ("{label}至少需要 {limit} 个字符", "{label} must be at least {limit} characters"),
    "maxLength": ("{label}不能超过 {limit} 个字符", "{label} must be at most {limit} characters"),
    "pattern": ("{label}的格式不正确", "{label} is not in the expected format"),
    "format": (
        "{label}不是有效的{format_name}{reason}",
        "{label} is not a valid {format_name}{reason}",
    ),
    "minimum": ("{label}不能小于 {limit}", "{label} must be at least {limit}"),
    "maximum": ("{label}不能大于 {limit}", "{label} must be at most {limit}"),
    "exclusiveMinimum": ("{label}必须大于 {limit}", "{label} must be greater than {limit}"),
    "exclusiveMaximum": ("{label}必须小于 {limit}", "{label} must be less than {limit}"),
    "multipleOf": ("{label}必须是 {limit} 的整数倍", "{label} must be a multiple of {limit}"),
    "minItems": ("{label}至少需要 {limit} 项", "{label} needs at least {limit} entries"),
    "maxItems": ("{label}最多 {limit} 项", "{label} allows at most {limit} entries"),
    "uniqueItems": ("{label}中有重复的项", "{label} has duplicate entries"),
    "contains": ("{label}中缺少符合要求的项", "{label} has no entry of the required kind"),
    "minContains": (
        "{label}中符合要求的项至少需要 {limit} 个",
        "{label} needs at least {limit} entries of the required kind",
    ),
    "maxContains": (
        "{label}中符合要求的项最多 {limit} 个",
        "{label} allows at most {limit} entries of the required kind",
    ),
    "minProperties": ("{label}至少需要填写 {limit} 项", "{label} needs at least {limit} entries"),
    "maxProperties": ("{label}最多填写 {limit} 项", "{label} allows at most {limit} entries"),
    "additionalProperties": (
        "{label}不是本表单的字段，不能提交",
        "{label} is not a field of this form",
    ),
    "unevaluatedProperties": (
        "{label}不是本表单的字段，不能提交",
        "{label} is not a field of this form",
    ),
    "propertyNames": ("{label}中有不允许的名称", "{label} has a name that is not allowed"),
    "items": ("{label}的项数超出允许范围", "{label} has more entries than allowed"),
    "prefixItems": ("{label}的内容不符合要求", "{label} is not valid"),
    "unevaluatedItems": ("{label}的项数超出允许范围", "{label} has more entries than allowed"),
    "not": ("{label}的值不被允许", "{label} has a value that is not allowed"),
    "anyOf": ("{label}不符合任何一种允许的情况", "{label} does not match any allowed option"),
    "oneOf": ("{label}不符合任何一种允许的情况", "{label} does not match any allowed option"),
    "oneOf-many": ("{label}同时符合多种情况，无法确定", "{label} matches more than one option"),
    "false": ("{label}不允许填写", "{label} must not be given"),
    "readOnly": ("{label}为只读，不能修改", "{label} is read-only and cannot be changed"),
    "x-material": ("{label}{material}", "{label}: {material}"),
    "maxDepth": (
        "提交的数据嵌套超过 {limit} 层",
        "the submitted data is nested more than {limit} levels deep",
    ),
    "maxSize": (
        "提交的数据过大（{what}超过 {limit}）",
        "the submitted data is too large ({what} over {limit})",
    ),
    "other": ("{label}不符合要求", "{label} is not valid"),
}

_TYPES = {
    "string": ("文本", "text"),
    "integer": ("整数", "a whole number"),
    "number": ("数字", "a number"),
    "boolean": ("是或否", "yes or no"),
    "object": ("一组信息", "a group of fields"),
    "array": ("列表", "a list"),
    "null": ("空值", "empty"),
}

_FORMATS = {
    "cn-resident-id": ("居民身份证号码", "resident ID number"),
    "cn-uscc": ("统一社会信用代码", "unified social credit code"),
    "cn-mobile": ("手机号码", "mobile phone number"),
    "cn-postcode": ("邮政编码", "postal code"),
    "date": ("日期（格式：2024-01-31）", "date (e.g. 2024-01-31)"),
    "date-time": ("日期时间", "date and time"),
    "time": ("时间", "time"),
    "email": ("电子邮箱地址", "e-mail address"),
    "idn-email": ("电子邮箱地址", "e-mail address"),
    "uri": ("网址", "web address (URI)"),
    "uri-reference": ("网址", "web address (URI)"),
    "ipv4": ("IPv4 地址", "IPv4 address"),
    "ipv6": ("IPv6 地址", "IPv6 address"),
    "uuid": ("UUID", "UUID"),
}

_FORMAT_REASONS = {
    "length": ("长度应为18位", "must be 18 characters"),
    "characters": (
        "含有不允许的字符，请去掉空格并使用大写字母",
        "has characters that are not allowed; remove spaces and use capitals",
    ),
    "check-digit": ("校验码不正确", "the check character is wrong"),
    "birth-date": ("出生日期不是有效日期", "the birth date is not a real date"),
    "birth-date-future": ("出生日期晚于今天", "the birth date is in the future"),
    "region": ("前6位不是任何时期的县级行政区划代码", "the first six digits are no county code of any time"),
}

_MATERIAL = {
    "shape": (
        "不是有效的材料，请重新上传或选择电子证照",
        "is not a valid material; upload it again or choose an e-licence",
    ),
    "empty": ("需要至少上传一个文件", "needs at least one file"),
    "count": ("最多上传 {limit} 个文件", "allows at most {limit} files"),
    "format": ("的文件格式应为 {allowed}", "must be a file of type {allowed}"),
    "too-large": ("的文件不能超过 {limit}", "must be a file of at most {limit}"),
    "licence-not-accepted": (
        "不能使用电子证照，请上传文件",
        "cannot be given as an e-licence; upload a file",
    ),
    "licence-type": (
        "不接受该类电子证照，可用：{allowed}",
        "does not accept this kind of e-licence; accepted: {allowed}",
    ),
    "missing-file": ("的文件未找到，请重新上传", "file was not found; upload it again"),
}

_QUOTES = {"zh-CN": "「{}」", "en": "“{}”"}
_JOIN = {"zh-CN": "、", "en": ", "}
_OR = {"zh-CN": "或", "en": " or "}


def quote(name: str, locale: str = DEFAULT_LOCALE) -> str:
    """Quote a field name the way messages do (「名称」 or “name”)."""
    return _QUOTES[normalize_locale(locale)].format(name)


def normalize_locale(locale: str | None) -> str:
    """``en``, ``en-US`` ... give English; anything else gives the default, zh-CN."""
    return "en" if (locale or "").lower().startswith("en") else DEFAULT_LOCALE


def _pick(pair: tuple[str, str], locale: str) -> str:
    return pair[0] if locale == "zh-CN" else pair[1]


def _pattern_key(path) -> tuple[str, ...]:
    return tuple("*" if isinstance(seg, int) else seg for seg in path)


@dataclass(frozen=True)
class Labels:
    """Field titles by path pattern (``("shareholders", "*", "name")``), per locale."""

    titles: dict[tuple[str, ...], tuple[str, str]]

    @classmethod
    def of(cls, schema: dict) -> Labels:
        titles: dict[tuple[str, ...], tuple[str, str]] = {}
        for path, sub in walk.iter_fields(schema):
            if path in titles:
                continue
            target = walk.field_schema(sub, schema)
            zh = _title(sub, target, "title") or path[-1]
            en = _title(sub, target, "x-titles") or zh
            titles[path] = (zh, en)
        return cls(titles)

    def title(self, path, locale: str) -> str:
        pair = self.titles.get(_pattern_key(path))
        if pair is None:
            last = next((seg for seg in reversed(path) if isinstance(seg, str)), "")
            return last
        return _pick(pair, locale)

    def label(self, path, locale: str) -> str:
        """Name a field for a message, with its position inside repeating groups."""
        quote = _QUOTES[locale]
        path = list(path)
        if not path:
            return "表单" if locale == "zh-CN" else "the form"
        parts = []
        for index, seg in enumerate(path):
            if isinstance(seg, int):
                group = quote.format(self.title(path[:index], locale))
                parts.append(
                    f"{group}第{seg + 1}项" if locale == "zh-CN" else f"{group} #{seg + 1}"
                )
        if isinstance(path[-1], str):
            parts.append(quote.format(self.title(path, locale)))
        return ("的" if locale == "zh-CN" else ", ").join(parts)


def _title(wrapper: Any, target: Any, key: str) -> str | None:
    for schema in (wrapper, target):
        if not isinstance(schema, dict):
            continue
        value = schema.get(key)
        if key == "x-titles":
            value = value.get("en") if isinstance(value, dict) else None
        if isinstance(value, str) and value:
            return value
    return None


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _params(error: ValidationError, keyword: str, labels: Labels, locale: str) -> dict[str, Any]:
    value = error.validator_value
    params: dict[str, Any] = {"limit": value}
    if keyword == "type":
        params["expected"] = type_names(value if isinstance(value, list) else [value], locale)
    elif keyword == "enum":
        shown = _JOIN[locale].join(_show(v) for v in value[:10])
        params["options"] = f"（可选：{shown}）" if locale == "zh-CN" else f" ({shown})"
        if len(value) > 10:
            params["options"] = ""
    elif keyword == "const":
        params["value"] = _show(value)
    elif keyword == "format":
        params.update(_format_params(getattr(error.cause, "reason", None), value, locale))
    elif keyword == "dependentRequired":
        trigger = list(error.absolute_path)[:-1] + [error.cause.trigger]
        params["trigger"] = labels.label(trigger, locale)
    elif keyword == "x-material":
        params["material"] = _material(error.cause, locale)
    return params


def type_names(names: list[str], locale: str = DEFAULT_LOCALE) -> str:
    """JSON types as an applicant reads them (``文本或数字``)."""
    locale = normalize_locale(locale)
    return _OR[locale].join(_pick(_TYPES.get(n, (n, n)), locale) for n in names)


def _format_params(reason: str | None, name: str, locale: str) -> dict[str, str]:
    text = _pick(_FORMAT_REASONS[reason], locale) if reason in _FORMAT_REASONS else ""
    if text:
        text = f"（{text}）" if locale == "zh-CN" else f" ({text})"
    return {"format_name": _pick(_FORMATS.get(name, (name, name)), locale), "reason": text}


def format_message(name: str, reason: str, locale: str = DEFAULT_LOCALE) -> str:
    """Why a value is not a ``name`` (``cn-resident-id`` ...), as the form check says it: 不是有效的…（…）."""
    locale = normalize_locale(locale)
    return _pick(_T["format"], locale).format(label="", **_format_params(reason, name, locale)).strip()


def _material(problem: Any, locale: str) -> str:
    params = dict(problem.params)
    if "allowed" in params:
        params["allowed"] = _JOIN[locale].join(params["allowed"])
    if "limit" in params and problem.reason == "too-large":
        params["limit"] = human_size(params["limit"])
    return _pick(_MATERIAL[problem.reason], locale).format(**params)


def human_size(size: int) -> str:
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:g} {unit}"
    return f"{size} B"


def keyword_of(error: ValidationError) -> str:
    """The code an error is reported under (its keyword, or ``false`` for a false schema)."""
    if error.validator is None or error.validator is False:
        return "false"
    if "propertyNames" in error.schema_path:
        return "propertyNames"  # the error is about a key, reported at its object
    return str(error.validator)


def render(error: ValidationError, labels: Labels, locale: str = DEFAULT_LOCALE) -> FieldError:
    """Turn one jsonschema error into a located, translated :class:`FieldError`."""
    locale = normalize_locale(locale)
    keyword = keyword_of(error)
    template_key = keyword
    if keyword == "oneOf" and not error.context:
        template_key = "oneOf-many"
    template = _T.get(template_key, _T["other"])
    path = list(error.absolute_path)
    params = _params(error, keyword, labels, locale)
    params["label"] = labels.label(path, locale)
    return FieldError(to_pointer(path), keyword, _pick(template, locale).format(**params))


def message(code: str, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
    """A message for a code outside jsonschema (``maxDepth``, ``maxSize``, materials ...)."""
    locale = normalize_locale(locale)
    return _pick(_T.get(code, _T["other"]), locale).format(**params)


def material_message(label: str, problem: Any, locale: str = DEFAULT_LOCALE) -> str:
    """The message for a material problem found outside validation (e.g. a missing file)."""
    locale = normalize_locale(locale)
    return message("x-material", locale, label=label, material=_material(problem, locale))
