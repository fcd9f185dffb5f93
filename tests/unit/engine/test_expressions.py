"""The allow-listed expression evaluator and the script environment Spiff runs it through."""

from __future__ import annotations

import ast
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.errors import EngineError, ExpressionFailed, ExpressionRejected, ScriptsDisabled
from engine.expressions import (
    CHINA_TZ, Limits, SafeScriptEnvironment, check_expression, engine_error_behind, evaluate,
    make_script_engine,
)

DATA = {
    "amount": 1500,
    "region": "浦东",
    "name": "  Zhang San ",
    "approved": True,
    "materials": [{"kind": "id", "ok": True}, {"kind": "licence", "ok": False}],
    "departments": ["公安", "民政", "人社"],
    "fees": {"base": 100, "express": 20},
    "submitted": "2026-01-05",
    "date": "a task-data variable named like a helper",
    "len": 99,
}
FIXED_NOW = datetime(2026, 3, 1, 9, 30, tzinfo=CHINA_TZ)


def fixed_clock() -> datetime:
    return FIXED_NOW


ALLOWED = [
    ("amount > 1000", True),
    ("amount > 1000 and region in ('浦东', '黄浦')", True),
    ("not approved or amount < 10", False),
    ("1 < amount <= 2000", True),
    ("amount // 7 + amount % 7 - 2 ** 3 * 1.5", 214 + 2 - 12.0),
    ("-amount / 4", -375.0),
    ("'高' if amount > 1000 else '低'", "高"),
    ("region == '浦东' and name.strip().lower().startswith('zhang')", True),
    ("name.strip().split(' ')", ["Zhang", "San"]),
    ("'、'.join(departments)", "公安、民政、人社"),
    ("departments[0]", "公安"),
    ("departments[-1]", "人社"),
    ("departments[1:]", ["民政", "人社"]),
    ("departments[::-1][0]", "人社"),
    ("len(departments)", 3),
    ("len", 99),
    ("date", DATA["date"]),
    ("fees['base'] + fees.get('express', 0) + fees.get('rush', 0)", 120),
    ("sorted(fees.keys())", ["base", "express"]),
    ("sum(fees.values())", 120),
    ("[kind for kind, ok in [(m['kind'], m['ok']) for m in materials] if not ok]", ["licence"]),
    ("all(m['ok'] for m in materials)", False),
    ("any(m['ok'] for m in materials)", True),
    ("{m['kind']: m['ok'] for m in materials}", {"id": True, "licence": False}),
    ("{d for d in departments if d != '公安'}", {"民政", "人社"}),
    ("sum(x * x for x in range(5))", 30),
    ("max(departments, default='')", max(DATA["departments"])),
    ("min(3, 1, 2)", 1),
    ("sorted([3, 1, 2], reverse=True)", [3, 2, 1]),
    ("list(range(2, 10, 3))", [2, 5, 8]),
    ("tuple(departments)[:1]", ("公安",)),
    ("dict([('a', 1)])", {"a": 1}),
    ("len({-1, -2, 1, 2, -1.0, (-1, 0), (-2, 0)})", 6),  # -1 and -2 share a hash in Python
    ("len({x % 97 for x in range(5000)})", 97),
    ("round(2.675, 2) + abs(-1)", round(2.675, 2) + 1),
    ("int('42') + float('0.5') + bool(0)", 42.5),
    ("str(amount) + '元'", "1500元"),
    ("f'{region}区 {amount:,} 元 {amount / 7:.2f}'", "浦东区 1,500 元 214.29"),
    ("f'{date(submitted):%Y年%m月%d日}'", "2026年01月05日"),
    ("'licence' in [m['kind'] for m in materials]", True),
    ("approved is True and fees.get('rush') is None", True),
    ("date(submitted) + days(20)", date(2026, 1, 25)),
    ("(date('2026-03-01') - date(submitted)).days", 55),
    ("date(2026, 2, 1).isoweekday()", 7),
    ("today()", date(2026, 3, 1)),
    ("today() - date(submitted) > days(30)", True),
    ("(now() + hours(72)).isoformat()", "2026-03-04T09:30:00+08:00"),
    ("datetime('2026-03-01T08:00') < now()", True),
    ("datetime('2026-03-01T01:00:00+00:00') == now() - minutes(30)", True),
    ("now().hour", 9),
    ("\n  amount > 1000\n", True),
]


@pytest.mark.parametrize(("expr", "expected"), ALLOWED)
def test_allowed_expression_evaluates_like_python(expr, expected):
    check_expression(expr)
    assert evaluate(expr, DATA, clock=fixed_clock) == expected


HOSTILE = [
    # (expression, error class, reason or None)
    ("__import__('os')", ExpressionRejected, "call-not-allowed"),
    ("__builtins__", ExpressionRejected, "dunder"),
    ("().__class__.__bases__[0].__subclasses__()", ExpressionRejected, "dunder"),
    ("open('/etc/passwd')", ExpressionRejected, "call-not-allowed"),
    ("eval('1')", ExpressionRejected, "call-not-allowed"),
    ("exec('x = 1')", ExpressionRejected, "call-not-allowed"),
    ("getattr(x, '__class__')", ExpressionRejected, "call-not-allowed"),
    ("type(1)", ExpressionRejected, "call-not-allowed"),
    ("globals()", ExpressionRejected, "call-not-allowed"),
    ("vars()", ExpressionRejected, "call-not-allowed"),
    ("lambda: 1", ExpressionRejected, "not-allowed"),
    ("(x := 1)", ExpressionRejected, "not-allowed"),
    ("import os", ExpressionRejected, "syntax"),
    ("x = 1", ExpressionRejected, "syntax"),
    ("f'{x.__class__}'", ExpressionRejected, "dunder"),
    ("f'{x!r:>{10**9}}'", ExpressionRejected, "not-allowed"),
    ("f'{1:>999999999}'", ExpressionRejected, "not-allowed"),
    ("'{0.__class__}'.format(x)", ExpressionRejected, "attribute-not-allowed"),
    ("x.append(1)", ExpressionRejected, "attribute-not-allowed"),
    ("x.get", ExpressionRejected, "attribute-not-allowed"),
    ("x.mro", ExpressionRejected, "attribute-not-allowed"),
    ("max(*x)", ExpressionRejected, "not-allowed"),
    ("dict(**x)", ExpressionRejected, "not-allowed"),
    ("sorted(x, key=len)", ExpressionRejected, "not-allowed"),
    ("{**x}", ExpressionRejected, "not-allowed"),
    ("(y for y in x)", ExpressionRejected, "not-allowed"),
    ("x[0]()", ExpressionRejected, "call-not-allowed"),
    ("b'bytes'", ExpressionRejected, "not-allowed"),
    ("-" * 100 + "1", ExpressionRejected, "too-deep"),
    ("1 + " * 1500 + "1", ExpressionRejected, "too-long"),
    ("[x for x in range(10**9)]", ExpressionFailed, "size"),
    ("'a' * 10**9", ExpressionFailed, "size"),
    ("[0] * 10**9", ExpressionFailed, "size"),
    ("10**10**10", ExpressionFailed, "size"),
    ("2**100000", ExpressionFailed, "size"),
    ("(10**1000) * (10**1000)", ExpressionFailed, "size"),
    ("('a' * 10**5).replace('a', 'aa')", ExpressionFailed, "size"),
    ("'-'.join(['a' * 10**4] * 11)", ExpressionFailed, "size"),
    ("('a' * 10**5) + 'b'", ExpressionFailed, "size"),
    ("[1 for a in range(10**4) for b in range(10**4)]", ExpressionFailed, "steps"),
    ("[[0] * 10**4] * 10**4 == [[0] * 10**4] * 10**4", ExpressionFailed, "steps"),
    ("[0] * 10**5 in [[0] * 10**5] * 10", ExpressionFailed, "steps"),
    ("sorted([[0] * 10**4] * 10**4)", ExpressionFailed, "steps"),
    ("str([[0] * 10**4] * 10**4)", ExpressionFailed, None),
    ("round(1, -10**9)", ExpressionFailed, None),
    ("sum([[1]] * 10, [])", ExpressionFailed, None),
    ("'%s' % x", ExpressionFailed, None),
    ("len(range(10**18))", ExpressionFailed, "size"),
    # Numbers chosen to share one hash (multiples of 2**61 - 1) made set() quadratic inside one C call.
    ("len(set(range(0, 24900*2305843009213693951, 2305843009213693951)))", ExpressionFailed, "size"),
    ("len({x for x in range(0, 9000*2305843009213693951, 2305843009213693951)})", ExpressionFailed, "size"),
    ("len({x: 0 for x in range(0, 9000*2305843009213693951, 2305843009213693951)})", ExpressionFailed, "size"),
    ("len(dict([(x, 0) for x in range(0, 1000*2305843009213693951, 2305843009213693951)]))",
     ExpressionFailed, "size"),
    ("len({(x, 1) for x in range(0, 9000*2305843009213693951, 2305843009213693951)})", ExpressionFailed, "size"),
    ("len({" + ", ".join(f"{n} * 2305843009213693951" for n in range(12)) + "})", ExpressionFailed, "size"),
    ("[0.5 in range(10**5) for i in range(100)]", ExpressionFailed, "steps"),
]


@pytest.mark.parametrize(("expr", "error", "reason"), HOSTILE)
def test_hostile_expression_is_rejected_or_fails_fast(expr, error, reason):
    started = time.perf_counter()
    with pytest.raises(error) as caught:
        check_expression(expr)
        evaluate(expr, {"x": [1, 2]})
    assert time.perf_counter() - started < 1.0
    if reason:
        assert caught.value.context["reason"] == reason
    assert caught.value.context["expression"]


def test_rejection_reports_the_column_of_the_offending_node():
    with pytest.raises(ExpressionRejected) as caught:
        check_expression("amount > 1 and x.__class__")
    assert caught.value.context == {"expression": "amount > 1 and x.__class__",
                                    "reason": "dunder", "column": 16}


def test_missing_variable_fails_naming_the_variable():
    with pytest.raises(ExpressionFailed) as caught:
        evaluate("amount > 1000 and applicant_age >= 18", DATA)
    assert caught.value.context["variable"] == "applicant_age"
    assert "'applicant_age' is not defined" in str(caught.value)


@pytest.mark.parametrize(("expr", "message"), [
    ("fees['rush']", "key 'rush' not found"),
    ("departments[7]", "index 7 out of range"),
    ("amount / 0", "ZeroDivisionError"),
    ("amount + 'x'", "TypeError"),
    ("region.year", "str has no property .year"),
    ("amount.lower()", "int has no method .lower()"),
    ("len(amount)", "len() of int"),
    ("len()", "len() takes 1 arguments (0 given)"),
    ("date('not a date')", "ValueError"),
])
def test_runtime_error_becomes_expression_failed(expr, message):
    with pytest.raises(ExpressionFailed, match=message.replace("(", r"\(").replace(")", r"\)")):
        evaluate(expr, DATA)


def test_any_stops_at_the_first_true_item():
    assert evaluate("any(m['ok'] or m['missing'] for m in items)",
                    {"items": [{"ok": True}, {"ok": False}]}) is True


def test_evaluation_does_not_modify_task_data():
    data = {"xs": [3, 1, 2], "d": {"a": 1}}
    evaluate("sorted(xs) + list(d.keys()) + [x for x in xs]", data)
    assert data == {"xs": [3, 1, 2], "d": {"a": 1}}


def test_step_and_time_budgets_come_from_limits():
    small = Limits(max_steps=50)
    assert evaluate("sum(range(10))", {}, limits=small) == 45
    with pytest.raises(ExpressionFailed, match="exceeded 50 steps"):
        evaluate("sum(range(100))", {}, limits=small)


def test_today_uses_china_time_from_an_injected_clock():
    late_utc = datetime(2026, 1, 1, 20, 0, tzinfo=timezone.utc)  # 04:00 on 2 Jan in Beijing
    assert evaluate("today()", {}, clock=lambda: late_utc) == date(2026, 1, 2)
    naive = datetime(2026, 1, 1, 20, 0)
    assert evaluate("now()", {}, clock=lambda: naive).utcoffset() == timedelta(hours=8)


def test_parsing_is_cached_per_expression(monkeypatch):
    parses = []
    real_parse = ast.parse
    monkeypatch.setattr(ast, "parse", lambda *a, **k: parses.append(a) or real_parse(*a, **k))
    for amount in range(5):
        evaluate("amount * 3 > 7  # caching probe", {"amount": amount})
    assert len(parses) == 1


def test_environment_prefers_task_data_over_external_context():
    env = SafeScriptEnvironment()
    assert env.evaluate("a + b", {"a": 1}, {"a": 100, "b": 2}) == 3
    assert env.evaluate("a", {"a": 1}, None) == 1


def test_environment_refuses_scripts_unless_given_a_runner():
    with pytest.raises(ScriptsDisabled):
        SafeScriptEnvironment().execute("x = 1", {})


def test_environment_applies_script_result_to_the_context_in_place():
    def runner(script, data):
        assert data == {"keep": 1, "drop": 2, "objects": "ext"}
        return {"keep": 10, "new": 3, "objects": "ext"}

    context = {"keep": 1, "drop": 2}
    assert SafeScriptEnvironment(script_runner=runner).execute("...", context, {"objects": "ext"})
    assert context == {"keep": 10, "new": 3}


def test_environment_does_not_call_services():
    with pytest.raises(EngineError, match="service tasks"):
        SafeScriptEnvironment().call_service({}, operation_name="x")


ROUTING_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs"
                  targetNamespace="http://yiwang.test/expressions">
  <bpmn:process id="route" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="to_fill" sourceRef="start" targetRef="fill"/>
    <bpmn:userTask id="fill"/>
    <bpmn:sequenceFlow id="to_gateway" sourceRef="fill" targetRef="gateway"/>
    <bpmn:exclusiveGateway id="gateway" default="to_auto"/>
    <bpmn:sequenceFlow id="to_review" sourceRef="gateway" targetRef="review">
      <bpmn:conditionExpression>amount &gt; 1000 and region in ("浦东", "黄浦")</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_auto" sourceRef="gateway" targetRef="auto"/>
    <bpmn:scriptTask id="auto"><bpmn:script>approved = amount &lt; 100</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="review"/>
    <bpmn:sequenceFlow id="auto_done" sourceRef="auto" targetRef="end"/>
    <bpmn:sequenceFlow id="review_done" sourceRef="review" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
""".encode()


def start_routing(script_engine, data):
    """Starts the routing process, saves and restores it, then submits ``data``."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(ROUTING_BPMN)
    workflow = BpmnWorkflow(parser.get_spec("route"), script_engine=script_engine)
    workflow.do_engine_steps()
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
    saved = serializer.serialize_json(workflow)
    workflow = serializer.deserialize_json(saved)
    workflow.script_engine = script_engine
    assert serializer.serialize_json(workflow) == saved
    task = workflow.get_next_task(state=TaskState.READY, manual=True)
    assert task.task_spec.bpmn_id == "fill"
    task.data.update(data)
    task.run()
    return workflow


def ready_ids(workflow):
    return [task.task_spec.bpmn_id for task in workflow.get_tasks(state=TaskState.READY)]


def test_spiff_gateway_condition_runs_through_the_safe_environment():
    workflow = start_routing(make_script_engine(), {"amount": 5000, "region": "浦东"})
    workflow.do_engine_steps()
    assert ready_ids(workflow) == ["review"]


def test_spiff_wraps_a_failing_condition_and_keeps_ours_behind_it():
    workflow = start_routing(make_script_engine(), {"region": "浦东"})
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert caught.value.error_type == "ExpressionFailed"
    original = engine_error_behind(caught.value)
    assert isinstance(original, ExpressionFailed)
    assert original.context["variable"] == "amount"


def test_spiff_script_task_fails_with_scripts_disabled():
    workflow = start_routing(make_script_engine(), {"amount": 10, "region": "浦东"})
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert caught.value.error_type == "ScriptsDisabled"
    assert str(caught.value).startswith("ScriptsDisabled:script tasks are disabled")
    assert isinstance(engine_error_behind(caught.value), ScriptsDisabled)
    [failed] = workflow.get_tasks(state=TaskState.ERROR)
    assert failed.task_spec.bpmn_id == "auto"


def test_spiff_script_task_runs_in_the_sandbox_when_enabled():
    workflow = start_routing(make_script_engine(scripts_enabled=True),
                             {"amount": 10, "region": "浦东"})
    workflow.do_engine_steps()
    assert workflow.completed
    assert workflow.last_task.data == {"amount": 10, "region": "浦东", "approved": True}
