"""Script tasks run in a separate process with a static check, restricted builtins and limits."""

from __future__ import annotations

import time
from datetime import date

import pytest

from engine.errors import ExpressionRejected, ScriptFailed
from engine.sandbox import check_script, run_script


def test_script_updates_a_copy_of_the_data():
    data = {"amount": 120, "items": [1, 2, 3], "temp": "x"}
    script = (
        "def fee(n):\n"
        "    return n * 2 if n > 100 else n\n"
        "total = fee(amount) + sum(items)\n"
        "items.append(len(items))\n"
        "labels = {str(i): i for i in items}\n"
        "del temp\n"
    )
    result = run_script(script, data)
    assert result == {"amount": 120, "items": [1, 2, 3, 3], "total": 246,
                      "labels": {"1": 1, "2": 2, "3": 3}}
    assert data == {"amount": 120, "items": [1, 2, 3], "temp": "x"}  # functions and temp gone


@pytest.mark.parametrize(("script", "reason"), [
    ("import os", "not-allowed"),
    ("from os import path", "not-allowed"),
    ("x = 1\nimport subprocess", "not-allowed"),
    ("open('/etc/passwd')", "call-not-allowed"),
    ("eval('1')", "call-not-allowed"),
    ("exec('x = 1')", "call-not-allowed"),
    ("getattr(x, 'y')", "call-not-allowed"),
    ("print('hi')", "call-not-allowed"),
    ("__import__('os')", "call-not-allowed"),
    ("x = ().__class__.__bases__[0].__subclasses__()", "dunder"),
    ("def f(__x__): pass", "dunder"),
    ("x = '{0.__class__}'.format(1)", "attribute-not-allowed"),
    ("x = (i for i in []).gi_frame", "attribute-not-allowed"),
    ("class A: pass", "not-allowed"),
    ("global x", "not-allowed"),
    ("with x: pass", "not-allowed"),
    ("@decorate\ndef f(): pass", "not-allowed"),
    ("x = ", "syntax"),
    ("x = 1\n" * 5_000, "too-long"),
])
def test_unsafe_script_is_rejected_before_any_process_starts(script, reason):
    with pytest.raises(ExpressionRejected) as caught:
        run_script(script, {})
    assert caught.value.context["reason"] == reason


def test_rejection_reports_the_line():
    with pytest.raises(ExpressionRejected) as caught:
        check_script("a = 1\nb = 2\nimport os\n")
    assert caught.value.context["line"] == 3


def test_endless_loop_times_out():
    started = time.perf_counter()
    with pytest.raises(ScriptFailed, match=r"timed out after 1 s") as caught:
        run_script("while True:\n    pass\n", {}, timeout_s=1)
    assert caught.value.context["reason"] == "timeout"
    assert time.perf_counter() - started < 3


def test_huge_allocation_fails_on_memory():
    with pytest.raises(ScriptFailed, match="memory") as caught:
        run_script("x = ' ' * (10**10)", {}, memory_mb=128)
    assert caught.value.context["reason"] == "memory"
    assert caught.value.context["line"] == 1


def test_open_is_not_a_builtin_even_when_the_check_is_sidestepped():
    # A bare reference is not a call, so the static check lets it through; the
    # runner's builtins are what stops it.
    with pytest.raises(ScriptFailed, match="NameError: name 'open' is not defined") as caught:
        run_script("x = 1\nreader = open\nreader('/etc/passwd')\n", {})
    assert caught.value.context["line"] == 2


def test_exception_in_script_reports_its_line():
    with pytest.raises(ScriptFailed) as caught:
        run_script("a = 1\nb = 0\n\nc = a / b\n", {})
    assert caught.value.context == {"reason": "error", "line": 4,
                                    "error_type": "ZeroDivisionError"}
    assert "line 4: ZeroDivisionError: division by zero" in str(caught.value)


@pytest.mark.parametrize(("script", "message"), [
    ("s = {1, 2}", "variable 's' holds a set"),
    ("d = {1: 'a'}", "variable 'd' has a int key"),
    ("x = {'a': [float('inf')]}", "variable 'x.a[0]' is inf"),
    ("b = [1]\nb.append(b)", "nested deeper than 100 levels"),
])
def test_result_that_is_not_json_is_rejected(script, message):
    with pytest.raises(ScriptFailed, match="cannot be stored as task data") as caught:
        run_script(script, {})
    assert caught.value.context["reason"] == "result"
    assert message in str(caught.value)


def test_data_that_is_not_json_is_rejected_before_running():
    with pytest.raises(ScriptFailed, match="cannot be passed to the script as JSON") as caught:
        run_script("x = 1", {"when": date(2026, 1, 1)})
    assert caught.value.context["reason"] == "input"
