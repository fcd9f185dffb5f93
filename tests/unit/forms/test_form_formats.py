"""Identity numbers are checked, not just pattern-matched; standard formats are on."""

from __future__ import annotations

import datetime

import pytest
from stdnum.cn import ric

from forms.formats import (
    FormatProblem,
    format_checker,
    is_cn_resident_id,
    is_cn_uscc,
    known_formats,
)
from forms.validation import validate_submission


def _one_field(fmt: str) -> dict:
    return {"type": "object", "properties": {"v": {"title": "值", "type": "string", "format": fmt}}}


def _reason(check, value) -> str:
    with pytest.raises(FormatProblem) as caught:
        check(value)
    return caught.value.reason


@pytest.mark.parametrize(
    "region, birth, sequence",
    [
        ("110105", "19491231", "002"),  # Beijing Chaoyang
        ("440305", "19800229", "517"),  # Shenzhen Nanshan, leap day
        ("320508", "20150601", "044"),  # Suzhou Gusu, a district created in 2012
        ("320508", "19850312", "123"),  # same code on a number assigned after the birth
        ("510107", "20000101", "999"),
    ],
)
def test_resident_ids_with_correct_check_digit_are_valid(resident_id, region, birth, sequence):
    number = resident_id(region, birth, sequence)
    assert is_cn_resident_id(number)
    assert validate_submission(_one_field("cn-resident-id"), {"v": number}) == []


def test_a_check_digit_of_ten_is_written_as_capital_x(resident_id):
    number = next(
        n
        for n in (resident_id("110105", "19760412", f"{s:03d}") for s in range(200))
        if n.endswith("X")
    )
    assert is_cn_resident_id(number)
    assert _reason(is_cn_resident_id, number[:-1] + "x") == "characters"


def _with_wrong_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def test_resident_id_problems_say_why(resident_id):
    good = resident_id("110105", "19491231", "002")
    future = (datetime.date.today() + datetime.timedelta(days=30)).strftime("%Y%m%d")
    assert _reason(is_cn_resident_id, _with_wrong_check_digit(good)) == "check-digit"
    assert _reason(is_cn_resident_id, resident_id("110105", "19990230", "002")) == "birth-date"
    assert _reason(is_cn_resident_id, resident_id("110105", future, "002")) == "birth-date-future"
    assert _reason(is_cn_resident_id, resident_id("000000", "19900101", "002")) == "region"
    assert _reason(is_cn_resident_id, good[:-1]) == "length"
    assert _reason(is_cn_resident_id, "11010519491231A02X") == "characters"
    assert _reason(is_cn_resident_id, good[:6] + " " + good[6:]) == "characters"


def test_a_bare_pattern_match_is_not_enough():
    shaped_right = "110105194912310020"  # 18 digits, real region and date, wrong check digit
    assert not ric.is_valid(shaped_right)
    [error] = validate_submission(_one_field("cn-resident-id"), {"v": shaped_right})
    assert error.code == "format"
    assert error.message == "「值」不是有效的居民身份证号码（校验码不正确）"


def test_unified_social_credit_codes(make_uscc):
    assert is_cn_uscc(make_uscc())
    assert is_cn_uscc(make_uscc("12", "110000", "400000013"))  # a public institution
    good = make_uscc()
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert _reason(is_cn_uscc, wrong) == "check-digit"
    assert _reason(is_cn_uscc, good[:-1]) == "length"
    assert _reason(is_cn_uscc, good[:16] + "I" + good[17]) == "characters"  # no I, O, S, V, Z
    assert _reason(is_cn_uscc, "A" + good[1:]) == "characters"  # authority and region are digits
    assert _reason(is_cn_uscc, good.lower()) == "characters"


@pytest.mark.parametrize(
    "fmt, valid, invalid",
    [
        (
            "cn-mobile",
            ["13800138000", "19912345678", "16600001111"],
            [
                "12800138000",
                "1380013800",
                "138 0013 8000",
                "+8613800138000",
                "１３８００１３８０００",
            ],
        ),
        (
            "cn-postcode",
            ["215000", "100080", "010000"],
            ["21500", "2150000", "21500A", "２１５０００"],
        ),
        (
            "date",
            ["2024-02-29", "1949-10-01"],
            ["2023-02-29", "2024/01/31", "2024-1-31", "20240131"],
        ),
        ("date-time", ["2024-05-01T09:30:00+08:00"], ["2024-05-01 09:30"]),
        (
            "email",
            ["zhang.san@example.cn", "li@政务.中国"],
            ["zhang.san", "a@", "@example.cn", "a b@example.cn"],
        ),
        (
            "uri",
            ["https://www.gov.cn/zhengce/", "mailto:x@example.cn"],
            ["www.gov.cn", "/relative/path", "http://bad host/"],
        ),
    ],
)
def test_standard_and_chinese_formats(fmt, valid, invalid):
    schema = _one_field(fmt)
    for value in valid:
        assert validate_submission(schema, {"v": value}) == [], value
    for value in invalid:
        errors = validate_submission(schema, {"v": value})
        assert [e.code for e in errors] == ["format"], value


def test_formats_only_judge_strings():
    checker = format_checker()
    assert checker.conforms(12345, "cn-resident-id")
    assert checker.conforms(None, "cn-mobile")


def test_the_project_formats_are_known():
    assert {
        "cn-resident-id",
        "cn-uscc",
        "cn-mobile",
        "cn-postcode",
        "date",
        "email",
        "uri",
    } <= known_formats()


# Every format JSON Schema draft 2020-12 defines (Validation, section 7.3).
DRAFT_2020_12_FORMATS = {
    "date-time", "date", "time", "duration", "email", "idn-email", "hostname", "idn-hostname", "ipv4", "ipv6",
    "uri", "uri-reference", "iri", "iri-reference", "uuid", "uri-template", "json-pointer",
    "relative-json-pointer", "regex",
}


def test_every_standard_format_is_known_on_every_install():
    """jsonschema checks some formats only when optional packages are installed; setup.cfg declares them."""
    assert DRAFT_2020_12_FORMATS - known_formats() == set()


@pytest.mark.parametrize(("fmt", "good", "bad"), [
    ("duration", "P3DT4H", "3 days"),
    ("hostname", "zwfw.example.gov.cn", "-bad-.example"),
    ("iri", "https://政务.中国/办事", "/relative"),
    ("iri-reference", "办事指南#材料", "\\\\bad"),
    ("json-pointer", "/applicant/name", "applicant"),
    ("relative-json-pointer", "1/name", "/name"),
    ("uri-template", "https://zwfw.example.gov.cn/cases/{id}", "https://x/{id"),
])
def test_the_formats_that_were_unknown_are_checked(fmt, good, bad):
    checker = format_checker()
    assert checker.conforms(good, fmt)
    assert not checker.conforms(bad, fmt)
