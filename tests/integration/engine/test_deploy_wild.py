"""Files from the wild: each deploys and runs, or is refused naming the element, the line and the reason.

One symptom per test, each with a small file in ``tests/data/engine/wild`` (the corpus
test, ``test_corpus.py``, runs every file of ``../shared/corpus``).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import deploy
from engine.errors import DeployRejected
from engine.models import ProcessDefinition
from support.engine_kit import assert_survives_restart, complete, deploy_files, history, instance, one_ready, start
from support.paths import DATA

WILD = DATA / "engine" / "wild"


def definitions(env) -> int:
    with env.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(ProcessDefinition))


def refused(env, *names: str) -> list:
    """Deploy the files; they must be refused with nothing stored, and lint must say the same."""
    files = {name: (WILD / name).read_bytes() for name in names}
    with env.unit_of_work() as uow:
        _, linted = deploy.check_bundle(uow, files)
    with pytest.raises(DeployRejected) as rejection:
        deploy.deploy(env.unit_of_work(), files)
    assert definitions(env) == 0
    assert rejection.value.issues == [i for i in linted if i.severity == "error"]
    return rejection.value.issues


@pytest.mark.parametrize(("name", "says"), [
    ("not_bpmn.xml", "the root element is <foo> (no namespace): neither a BPMN 2.0 nor a DMN document"),
    ("drawing.svg", "the root element is <svg> in namespace http://www.w3.org/2000/svg"),
    ("page.xhtml", "the root element is <html> in namespace http://www.w3.org/1999/xhtml"),
    ("default_namespace_missing.bpmn", "the root element <definitions> has no namespace; a BPMN file declares "
                                       'xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"'),
])
def test_well_formed_xml_that_is_not_bpmn_is_refused_saying_what_it_is(env, name, says):
    (issue,) = refused(env, name)
    assert (issue.code, issue.file, issue.line) == ("not-bpmn", name, 2)
    assert issue.message.startswith(says)


@pytest.mark.parametrize(("name", "line", "says"), [
    ("undeclared_prefix.bpmn", 5, "Namespace prefix camunda on extra is not defined"),
    ("undeclared_attribute_prefix.bpmn", 5, "Namespace prefix camunda for candidateGroups on userTask is not defined"),
    ("page.html", None, "document type declarations (<!DOCTYPE ...>) are not allowed"),
])
def test_xml_that_does_not_parse_is_refused_at_its_line(env, name, line, says):
    (issue,) = refused(env, name)
    assert (issue.code, issue.line) == ("xml-rejected", line)
    assert says in issue.message


def test_a_dmn_file_without_a_decision_is_refused(env):
    issues = refused(env, "fee_rule.bpmn", "no_decision.dmn")
    assert [(i.code, i.element_id, i.file) for i in issues] == [
        ("dmn-no-decision", "defs_empty", "no_decision.dmn"), ("decision-unknown", "decide_fee", "fee_rule.bpmn")]


def test_a_business_rule_task_naming_a_decision_the_bundle_lacks_is_refused_at_the_task(env):
    (issue,) = refused(env, "fee_rule.bpmn")
    assert (issue.code, issue.element_id, issue.line) == ("decision-unknown", "decide_fee", 8)
    assert "'fee'" in issue.message


def test_a_decision_table_cell_that_imports_a_module_is_refused_at_deploy(env):
    """Issue 16, finding 10: such a table used to deploy, and every case reaching it then failed."""
    issues = refused(env, "fee_rule.bpmn", "fee_import.dmn")
    assert [(i.code, i.element_id, i.line, i.file) for i in issues] == [
        ("expression-rejected", "r_company_in", 11, "fee_import.dmn"),
        ("expression-rejected", "r_other_out", 16, "fee_import.dmn"),
    ]
    assert all("__import__" in i.message for i in issues)


def test_feel_cells_and_unsupported_hit_policies_are_refused_with_their_reason(env):
    issues = refused(env, "fee_rule.bpmn", "fee_feel.dmn")
    assert [(i.code, i.element_id) for i in issues] == [
        ("dmn-unsupported", "fee_table"), ("expression-rejected", "r_mid_in")]
    assert "hit policy PRIORITY is not supported" in issues[0].message


def test_a_decision_without_a_decision_table_is_refused(env):
    (issue,) = refused(env, "fee_rule.bpmn", "fee_literal.dmn")
    assert (issue.code, issue.element_id) == ("dmn-unsupported", "fee")
    assert "no decision table" in issue.message


@pytest.mark.parametrize(("area", "fee"), [(500, 200), (5000, 50)])
def test_a_dmn_file_with_its_own_namespace_prefix_decides_like_any_other(env, area, fee):
    deploy_files(env, WILD / "fee_rule.bpmn", WILD / "fee_prefixed.dmn")
    case = start(env, "fee_rule", {"area": area})
    assert one_ready(env, case, "pay")
    assert instance(env, case)["data"]["fee"] == fee


def test_a_start_event_with_the_engines_own_name_for_its_start_is_refused_not_deployed_unstartable(env):
    """Camunda's ParallelGatewayTest.testNestedForkJoin drew it so; it deployed and then every start failed."""
    issues = refused(env, "start_named_start.bpmn")
    assert [(i.code, i.element_id, i.line) for i in issues] == [("reserved-id", "Start", 6), ("reserved-id", "End", 19)]


def test_an_event_naming_a_message_the_file_does_not_declare_is_refused_at_the_event(env):
    (issue,) = refused(env, "message_ref_missing.bpmn")
    assert (issue.code, issue.element_id, issue.line) == ("event-ref-unknown", "wait_payment", 8)
    assert "messageRef 'payment_received' names no bpmn:message of this document" in issue.message


def test_sequence_flows_without_ids_get_stable_ids_and_the_case_follows_them(env):
    result = deploy_files(env, WILD / "flows_without_ids.bpmn")
    assert [(w.code, w.element_id) for w in result.warnings] == [
        ("flow-id-given", "apply_to_review"), ("flow-id-given", "review_to_decide"),
        ("flow-id-given", "decide_to_issue"), ("flow-id-given", "issue_to_done")]
    case = start(env, "flows_without_ids")
    complete(env, one_ready(env, case, "review"), {"approved": True})
    complete(env, one_ready(env, case, "issue"))
    assert instance(env, case)["status"] == "completed"
    assert [h["element_id"] for h in history(env, case) if h["action"] == "instance.completed"] == ["done"]


def test_a_process_and_a_subprocess_without_end_events_end_where_their_paths_stop(env):
    """An implicit end (BPMN allows it): was refused for subprocesses, and a case waited forever."""
    result = deploy_files(env, WILD / "implicit_end.bpmn")
    assert {w.element_id for w in result.warnings if w.code == "dead-end"} == {"check", "sign", "notify"}
    case = start(env, "implicit_end", {"applicant": "zhang3"})
    complete(env, one_ready(env, case, "check"), {"complete": True})
    complete(env, one_ready(env, case, "sign"))
    assert instance(env, case)["status"] == "running"
    assert_survives_restart(env, case)
    complete(env, one_ready(env, case, "notify"))
    view = instance(env, case)
    assert (view["status"], view["data"]) == ("completed", {"applicant": "zhang3", "complete": True})


def test_a_signal_event_with_neither_a_reference_nor_a_name_is_refused(env):
    """It deployed, and the first start failed storing a waiting signal without a name (a 500)."""
    (issue,) = refused(env, "signal_unnamed.bpmn")
    assert (issue.code, issue.element_id, issue.line) == ("event-ref-unknown", "stop", 8)
    assert "the signal event names no signal" in issue.message


def test_every_refusal_says_its_reason_in_chinese_and_in_english(env):
    (issue,) = refused(env, "not_bpmn.xml")
    assert (issue.to_dict()["reason"], issue.to_dict()["reason_en"]) == (
        "文件不是 BPMN 2.0 或 DMN 文档", "the file is neither a BPMN 2.0 nor a DMN document")
    assert str(issue).startswith("not_bpmn.xml:2 error: 文件不是 BPMN 2.0 或 DMN 文档：the root element is <foo>")
