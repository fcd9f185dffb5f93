"""item.json: the catalogue data of a service item, checked with every problem located by JSON pointer."""

from __future__ import annotations

import pytest

from catalogue_kit import item
from processes.item_errors import ItemInvalid
from processes.item_models import normalized, parse_item


def problems(document) -> list[tuple[str, str]]:
    with pytest.raises(ItemInvalid) as invalid:
        parse_item(document)
    return [(p.code, p.pointer) for p in invalid.value.problems]


def test_a_valid_item_is_read_with_labels_and_defaults():
    service_item = parse_item(item())
    assert (service_item.code, service_item.type_label, service_item.level_label) == (
        "340500-XK-TEST-001", "行政许可", "市级")
    assert service_item.materials[0].required is True and service_item.materials[0].from_licence_library
    assert service_item.deficiencies.enabled is False
    assert service_item.start_form == "app"


def test_a_promised_time_limit_longer_than_the_statutory_one_is_refused_clearly():
    with pytest.raises(ItemInvalid) as invalid:
        parse_item(item(time_limits={"statutory_days": 20, "promised_days": 25}))
    [problem] = invalid.value.problems
    assert (problem.code, problem.file, problem.pointer) == ("promised-exceeds-statutory", "item.json",
                                                             "/time_limits/promised_days")
    assert "承诺时限" in problem.message and "25" in problem.message and "法定时限" in problem.message


def test_shape_errors_are_all_reported_with_their_pointers():
    document = item(type="permit", level="district", online_depth=5)
    del document["name"]
    document["materials"][0]["original"] = "scan"
    assert sorted(problems(document)) == sorted([
        ("item-schema", ""), ("item-schema", "/level"), ("item-schema", "/materials/0/original"),
        ("item-schema", "/online_depth"), ("item-schema", "/type")])


@pytest.mark.parametrize(("level", "region", "ok"), [
    ("province", "340000", True), ("city", "340500", True), ("county", "340503", True),
    ("township", "340503001", True), ("village", "340503001002", True),
    ("city", "340503", False), ("county", "340500", False), ("province", "340500", False),
    ("township", "340503", False),
])
def test_the_region_code_fits_the_administrative_level(level, region, ok):
    document = item(level=level, region_code=region)
    if ok:
        parse_item(document)
    else:
        assert problems(document) == [("region-level-mismatch", "/region_code")]


def test_a_zero_visit_item_must_be_fully_online_and_deliver_remotely():
    assert problems(item(zero_visit=True)) == [
        ("visits-inconsistent", "/at_most_one_visit"), ("visits-inconsistent", "/online_depth"),
        ("visits-inconsistent", "/delivery")]


def test_accept_with_deficiencies_needs_a_deadline_and_a_material_that_may_wait():
    assert problems(item(options={"accept_with_deficiencies": {"enabled": True}})) == [
        ("accept_with_deficiencies-deadline", "/options/accept_with_deficiencies"),
        ("accept_with_deficiencies-unused", "/options/accept_with_deficiencies/enabled")]
    waiting = item(materials=[{"code": "M1", "name": "营业执照", "commitment_allowed": True}])
    assert problems(waiting) == [("notification_commitment-disabled", "/materials/0/commitment_allowed")]


def test_materials_are_listed_once_each():
    document = item(materials=[{"code": "M1", "name": "营业执照"}, {"code": "M1", "name": "营业执照"},
                               {"code": "M3", "name": "章程", "required": False, "deficiency_allowed": True}],
                    options={"accept_with_deficiencies": {"enabled": True, "deadline_days": 3}})
    assert problems(document) == [
        ("material-duplicate-code", "/materials/1/code"), ("material-duplicate-name", "/materials/1/name"),
        ("material-option-pointless", "/materials/2")]


def test_a_one_thing_needs_distinct_parts_and_its_own_generated_forms():
    part = {"key": "registration", "code": "340500-XK-SCJG-0001", "name": "企业设立登记", "department": "市场监管局",
            "form": "app"}
    document = item(one_thing={"case_form": "app", "parts": [part, {**part, "code": "340500-XK-SCJG-0002"}]})
    assert sorted(problems(document)) == sorted([
        ("one-thing-form-reused", "/one_thing/case_form"),
        ("one-thing-duplicate", "/one_thing/parts/1/key"), ("one-thing-duplicate", "/one_thing/parts/1/form"),
        ("one-thing-form-reused", "/one_thing/parts/0/form"), ("one-thing-form-reused", "/one_thing/parts/1/form")])


def test_normalizing_twice_changes_nothing_so_exported_items_read_back_equal():
    once = normalized(item())
    assert normalized(once) == once
    assert parse_item(once).document == once


def test_a_department_credit_code_is_checked():
    assert problems(item(department={"name": "马鞍山市测试局", "uscc": "11340500MB1234567X"})) == [
        ("item-schema", "/department/uscc")]
