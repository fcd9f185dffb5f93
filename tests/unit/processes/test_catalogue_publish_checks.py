"""Publishing checks: a bundle is consistent before it is published, and every problem is named at once."""

from __future__ import annotations

import pytest

from catalogue_kit import application, bpmn, checked, codes, item
from processes.process_outline import Flow
from processes.publish_checks import refusal_kind
from support.paths import EXAMPLES

EXAMPLE_NAMES = ["elderly_allowance", "business_startup", "real_estate_transfer", "industrial_construction_permit"]


def test_a_consistent_bundle_has_no_problems():
    result = checked()
    assert result.problems == []
    assert result.outline.critical_days == 3  # accept 1 + review 2; the correction loop does not count


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_example_bundle_passes_the_checks(name):
    from processes.bundles import load_bundle
    from processes.publish_checks import check_bundle

    bundle = load_bundle(EXAMPLES / name)
    result = check_bundle(bundle.item, bundle.files, bundle.forms)
    assert result.problems == []


def test_a_user_task_without_handler_or_time_limit_is_named_by_its_element_id():
    result = checked(files={"permit.bpmn": bpmn(accept_attrs="")})
    problems = {(p.code, p.element_id) for p in result.errors}
    assert problems == {("task-no-handler", "accept"), ("task-no-time-limit", "accept")}
    assert all(p.file == "permit.bpmn" and p.line for p in result.errors)


def test_a_refusal_flow_must_reach_an_element_that_issues_the_refusal_notice():
    result = checked(files={"permit.bpmn": bpmn(refused_attrs="")})
    [problem] = result.errors
    assert (problem.code, problem.element_id) == ("notice-missing", "f6")
    assert "refused" in problem.message and 'yw:notice="refusal"' in problem.message


def test_a_correction_flow_must_reach_a_correction_notice_not_a_refusal_one():
    result = checked(files={"permit.bpmn": bpmn(correct_attrs='yw:clock="stopped" yw:notice="refusal"')})
    assert [(p.code, p.element_id) for p in result.errors] == [("notice-missing", "f4")]


@pytest.mark.parametrize(("name", "condition", "kind"), [
    ("", 'acceptance == "refuse"', "refusal"),
    ("", "decision == 'reject'", "refusal"),
    ("不予许可", None, "refusal"),
    ("驳回", 'x == "y"', "refusal"),
    ("", 'acceptance == "correct"', "correction"),
    ("需补正", None, "correction"),
    ("准予", 'decision == "approve"', None),
    ("", 'status == "refused_by_applicant_elsewhere"', None),
])
def test_flows_are_known_as_refusing_by_their_condition_literal_or_their_name(name, condition, kind):
    assert refusal_kind(Flow("f", name, "gw", "t", condition, 1)) == kind


def test_unknown_notice_and_clock_markers_are_refused():
    result = checked(files={"permit.bpmn": bpmn(correct_attrs='yw:clock="paused" yw:notice="correction"',
                                                refused_attrs='yw:notice="rejection"')})
    assert {(p.code, p.element_id) for p in result.errors} >= {("clock-invalid", "correct"),
                                                                ("notice-invalid", "refused")}


def test_the_critical_path_must_fit_the_promised_time_limit():
    result = checked(files={"permit.bpmn": bpmn(review_days="2.5")})
    [problem] = result.errors
    assert (problem.code, problem.element_id) == ("critical-path-exceeds-promise", "permit")
    assert "3.5 working days" in problem.message and "受理(accept) → 审查(review)" in problem.message


def test_a_clock_stopped_step_does_not_count_towards_the_promise():
    result = checked(files={"permit.bpmn": bpmn(correct_attrs='yw:notice="correction"')})
    # without yw:clock="stopped" the 5-day correction step is on the longest path
    assert codes(result) == ["critical-path-exceeds-promise"]
    assert result.outline.critical_days == 6


def test_a_required_material_needs_a_required_field_naming_it_in_the_application_form():
    form = application()
    form["schema"]["required"] = ["applicant"]
    result = checked(forms={"app": form})
    [problem] = result.errors
    assert (problem.code, problem.file, problem.pointer) == ("material-field-optional", "forms/app.json",
                                                             "/properties/licence")


def test_materials_and_form_fields_must_agree_every_difference_named():
    form = application(licence={"title": "执照", "x-material": {"code": "M1", "name": "执照"}},
                       extra={"title": "其他", "x-material": {"code": "M9", "name": "其他材料"}})
    document = item(materials=[*item()["materials"], {"code": "M2", "name": "章程"}])
    result = checked(item_document=document, forms={"app": form})
    found = {(p.code, p.file, p.pointer) for p in result.errors}
    assert found == {
        ("material-name-mismatch", "forms/app.json", "/properties/licence/x-material/name"),
        ("material-licence-mismatch", "forms/app.json", "/properties/licence/x-material/e_licence"),
        ("material-unknown", "forms/app.json", "/properties/extra"),
        ("material-no-field", "item.json", "/materials/1"),
    }


def test_a_material_that_may_come_later_must_not_be_required_in_the_form():
    document = item(materials=[{"code": "M1", "name": "营业执照", "e_licence": ["CN-BUSINESS-LICENCE"],
                                "deficiency_allowed": True}],
                    options={"accept_with_deficiencies": {"enabled": True, "deadline_days": 5}})
    assert [(p.code, p.pointer) for p in checked(item_document=document).errors] == [
        ("material-field-required", "/properties/licence")]


def test_the_process_and_forms_must_be_the_ones_the_item_names():
    result = checked(item_document=item(process_id="other"), forms={"app": application(), "spare": application()})
    assert [(p.code, p.pointer) for p in result.errors] == [("process-missing", "/process_id")]
    result = checked(files={"permit.bpmn": bpmn(start_form="spare")}, forms={"app": application(),
                                                                               "spare": application()})
    assert [(p.code, p.element_id) for p in result.errors] == [("start-form-mismatch", "apply")]


def test_a_form_key_the_bundle_lacks_is_named_by_lint_and_by_the_step():
    result = checked(files={"permit.bpmn": bpmn(accept_attrs='yw:candidateGroups="window" yw:timeLimit="1" '
                                                             'yw:formKey="acceptance"')})
    assert {(p.code, p.element_id) for p in result.errors} == {("bpmn-unknown-form-key", "accept"),
                                                               ("form-missing", "accept")}


def test_unused_forms_and_unnamed_roles_are_warnings_only():
    result = checked(files={"permit.bpmn": bpmn(accept_attrs='yw:candidateGroups="window,clerks" '
                                                             'yw:timeLimit="1"')},
                     forms={"app": application(), "spare": application()})
    assert result.errors == []
    assert sorted((w.code, w.file, w.element_id) for w in result.warnings) == [
        ("form-unused", "forms/spare.json", None), ("role-unnamed", "permit.bpmn", "accept")]


def test_all_problems_of_all_files_are_reported_together():
    form = application()
    form["schema"]["properties"]["applicant"]["type"] = "text"
    document = item(time_limits={"statutory_days": 2, "promised_days": 3})
    result = checked(item_document=document, files={"permit.bpmn": bpmn(accept_attrs="")},
                     forms={"app": form})
    found = {(p.code, p.file) for p in result.errors}
    assert found == {("promised-exceeds-statutory", "item.json"), ("form-schema-invalid", "forms/app.json"),
                     ("task-no-handler", "permit.bpmn"), ("task-no-time-limit", "permit.bpmn")}


def test_broken_xml_is_reported_with_its_line():
    result = checked(files={"permit.bpmn": b"<?xml version='1.0'?>\n<definitions>\n<oops></definitions>"})
    problem = next(p for p in result.errors if p.code == "xml-rejected")
    assert problem.file == "permit.bpmn" and problem.line == 3
