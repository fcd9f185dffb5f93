"""Allow-listed evaluation of the expressions inside uploaded BPMN.

SpiffWorkflow's default script engine ``eval``s gateway conditions, loop cardinalities,
completion conditions, timer, assignee and correlation expressions with full builtins, so an
uploaded diagram could run any code on the server. Here an expression is parsed with
:mod:`ast`, checked against an allow-list (:func:`check_expression`, also run at deploy time)
and evaluated by walking the tree (:func:`evaluate`); nothing ever reaches ``eval``.

The language is a subset of Python expressions:

* literals (str, int, float, bool, None), task-data names, arithmetic, comparisons
  (``in``, ``is None`` ...), ``and``/``or``/``not``, ``a if c else b``, subscripts, slices,
  list/tuple/set/dict displays, comprehensions and f-strings;
* calls to the functions in :data:`FUNCTIONS` only;
* the read-only methods in :data:`METHODS` and properties in :data:`PROPERTIES` of str,
  list, tuple, dict, date, datetime and timedelta.

The static rules live in :mod:`engine.expression_policy`, the allow-listed functions and
methods in :mod:`engine.expression_functions`; this module evaluates and plugs into Spiff.

Function names are callable, never values, and task data never shadows them: ``date`` alone
is the task-data variable ``date``; ``date("2026-01-01")`` is the helper.

Each evaluation runs on a :class:`Limits` budget: steps (nodes visited, items iterated,
elements compared or hashed), wall-clock time, and the size of every string, collection and
integer produced. Operations that could blow up (``*``, ``**``, ``+``, ``join``,
``replace``, ``range``, ``round``, and sets or dicts of keys chosen to share a hash) are
checked before they run. The time limit is looked at between steps, so it holds only because
no single step can run long: every C-level call is sized and charged before it is made. That
is also what keeps one slow case from stalling others: a thread evaluating an expression
gives the interpreter lock up between steps (every 5 ms), so the worker's other requests go
on, and the case fails with an incident once its budget is spent.

``simpleeval`` was considered: it reports a forbidden construct only when its branch is
evaluated (no deploy-time check with a column), its attribute policy is a deny-list and it
has no step budget, so bounding it would mean overriding most of its handlers.
"""

from __future__ import annotations

import ast
import operator
import time
import types
from collections import ChainMap
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from . import expression_functions as fn
from .errors import EngineError, ExpressionFailed, ScriptsDisabled
from .expression_functions import CHINA_TZ, FUNCTIONS, METHODS, PROPERTIES
from .expression_policy import DEFAULT_LIMITS, Limits, check_expression, parse_checked
from .sandbox import run_script

__all__ = [
    "CHINA_TZ", "DEFAULT_LIMITS", "FUNCTIONS", "METHODS", "PROPERTIES", "Limits",
    "SafeScriptEnvironment", "check_expression", "engine_error_behind", "evaluate",
    "make_script_engine",
]


_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.Pow: operator.pow, ast.BitAnd: operator.and_, ast.BitOr: operator.or_,
           ast.BitXor: operator.xor}
_UNARYOPS = {ast.UAdd: operator.pos, ast.USub: operator.neg, ast.Not: operator.not_}
_CMPOPS = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
           ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_,
           ast.IsNot: operator.is_not, ast.In: lambda a, b: a in b,
           ast.NotIn: lambda a, b: a not in b}
_CONTAINERS = (list, tuple, dict, set, frozenset)


def evaluate(expr: str, names: Mapping[str, Any], *, limits: Limits = DEFAULT_LIMITS,
             clock: Callable[[], datetime] | None = None) -> Any:
    """Evaluates an allow-listed expression against task data.

    Args:
        expr: the expression text, e.g. ``amount > 1000 and region in ("浦东", "黄浦")``.
        names: task data (JSON-like values); looked up, never modified.
        limits: budgets; see :class:`Limits`.
        clock: returns the current time for ``today()``/``now()``; inject one in tests and
            when replaying. Defaults to the system clock in China Standard Time.

    Raises:
        ExpressionRejected: the expression is not allowed (see :func:`check_expression`).
        ExpressionFailed: evaluation failed: missing variable (``variable=``), type error,
            or a limit hit.
    """
    tree = parse_checked(expr, limits)
    return _Evaluation(expr, limits, clock or _system_clock).eval(tree.body, names)


def _system_clock() -> datetime:
    return datetime.now(CHINA_TZ)


class _Evaluation:
    """One evaluation: walks the checked tree, charging every step to the budget."""

    def __init__(self, expr: str, limits: Limits, clock: Callable[[], datetime]) -> None:
        self.expr = expr
        self.limits = limits
        self.clock = clock
        self.steps = 0
        self.next_time_check = 1024
        self.deadline = time.monotonic() + limits.max_seconds

    def fail(self, message: str, node: ast.AST | None = None, **context: Any) -> ExpressionFailed:
        column = getattr(node, "col_offset", None)
        return ExpressionFailed(message, expression=self.expr,
                                column=None if column is None else column + 1, **context)

    def tick(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > self.limits.max_steps:
            raise self.fail(f"evaluation exceeded {self.limits.max_steps} steps", reason="steps")
        if self.steps >= self.next_time_check:
            self.next_time_check = self.steps + 1024
            if time.monotonic() > self.deadline:
                raise self.fail(f"evaluation took longer than {self.limits.max_seconds:g} s",
                                reason="time")

    def remaining(self) -> int:
        return self.limits.max_steps - self.steps

    def charge_weight(self, value: Any, factor: int = 1) -> None:
        """Charges for work proportional to everything nested in ``value``."""
        self.tick(fn.weight(value, self.remaining() + 1) * factor)

    def produced(self, value: Any) -> Any:
        """Returns a newly built value after checking (and charging for) its size."""
        if isinstance(value, str):
            if len(value) > self.limits.max_string:
                raise self.fail(f"string of {len(value)} characters exceeds the limit of "
                                f"{self.limits.max_string}", reason="size")
            self.tick(len(value) >> 6)
        elif isinstance(value, (*_CONTAINERS, range)):
            self.check_items(len(value))
            self.tick(len(value))
        elif isinstance(value, int) and value.bit_length() > self.limits.max_int_bits:
            raise self.fail(f"integer exceeds {self.limits.max_int_bits} bits", reason="size")
        return value

    def check_items(self, count: int) -> None:
        if count > self.limits.max_items:
            raise self.fail(f"collection of {count} items exceeds the limit of "
                            f"{self.limits.max_items}", reason="size")

    def check_chars(self, count: int) -> None:
        if count > self.limits.max_string:
            raise self.fail(f"string of {count} characters exceeds the limit of "
                            f"{self.limits.max_string}", reason="size")

    def iterate(self, value: Any) -> Iterator[Any]:
        if not isinstance(value, (*_CONTAINERS, str, range, types.GeneratorType)):
            raise self.fail(f"cannot iterate over {type(value).__name__}")
        for item in value:
            self.tick()
            yield item

    def materialize(self, value: Any) -> list[Any]:
        items = []
        for item in self.iterate(value):
            items.append(item)
            if len(items) > self.limits.max_items:
                self.check_items(len(items))
        return items

    def now(self) -> datetime:
        current = self.clock()
        return current.replace(tzinfo=CHINA_TZ) if current.tzinfo is None else current

    def eval(self, node: ast.AST, scope: Mapping[str, Any]) -> Any:
        self.tick()
        try:
            return _HANDLERS[type(node)](self, node, scope)
        except EngineError:
            raise
        except Exception as exc:  # the innermost node reports, with its column
            raise self.fail(f"{type(exc).__name__}: {exc}", node) from exc

    def name(self, node: ast.Name, scope: Mapping[str, Any]) -> Any:
        try:
            return scope[node.id]
        except KeyError:
            raise self.fail(f"variable {node.id!r} is not defined", node,
                            variable=node.id) from None

    def binop(self, node: ast.BinOp, scope: Mapping[str, Any]) -> Any:
        left, right = self.eval(node.left, scope), self.eval(node.right, scope)
        fn.precheck_binop(self, type(node.op), left, right)
        return self.produced(_BINOPS[type(node.op)](left, right))

    def boolop(self, node: ast.BoolOp, scope: Mapping[str, Any]) -> Any:
        is_and = isinstance(node.op, ast.And)
        for value_node in node.values:
            value = self.eval(value_node, scope)
            if bool(value) is not is_and:
                return value
        return value

    def compare(self, node: ast.Compare, scope: Mapping[str, Any]) -> bool:
        left = self.eval(node.left, scope)
        for op, right_node in zip(node.ops, node.comparators):
            right = self.eval(right_node, scope)
            self.charge_compare(op, left, right)
            if not _CMPOPS[type(op)](left, right):
                return False
            left = right
        return True

    def charge_compare(self, op: ast.cmpop, left: Any, right: Any) -> None:
        if isinstance(op, (ast.In, ast.NotIn)):
            if isinstance(right, (list, tuple)):
                self.charge_weight(left, len(right))
            elif isinstance(right, (dict, set, frozenset)):
                self.charge_weight(left)
            elif isinstance(right, str):
                self.tick(len(right) >> 6)
            elif isinstance(right, range) and not isinstance(left, int):
                self.tick(len(right))  # only an int is found by arithmetic; anything else walks it
        elif isinstance(left, _CONTAINERS) and isinstance(right, _CONTAINERS):
            cap = self.remaining() + 1
            self.tick(min(fn.weight(left, cap), fn.weight(right, cap)))

    def subscript(self, node: ast.Subscript, scope: Mapping[str, Any]) -> Any:
        value = self.eval(node.value, scope)
        if not isinstance(value, (str, list, tuple, dict, range)):
            raise self.fail(f"{type(value).__name__} cannot be subscripted", node)
        if isinstance(node.slice, ast.Slice):
            parts = (node.slice.lower, node.slice.upper, node.slice.step)
            key = slice(*(None if part is None else self.eval(part, scope) for part in parts))
            return self.produced(value[key])
        key = self.eval(node.slice, scope)
        try:
            return value[key]
        except KeyError:
            raise self.fail(f"key {key!r} not found", node, key=repr(key)[:100]) from None
        except IndexError:
            raise self.fail(f"index {key!r} out of range (length {len(value)})", node) from None

    def attribute(self, node: ast.Attribute, scope: Mapping[str, Any]) -> Any:
        value = self.eval(node.value, scope)
        if node.attr not in fn.lookup(PROPERTIES, value):
            raise self.fail(f"{type(value).__name__} has no property .{node.attr}", node)
        return getattr(value, node.attr)

    def call(self, node: ast.Call, scope: Mapping[str, Any]) -> Any:
        func = node.func
        receiver = self.eval(func.value, scope) if isinstance(func, ast.Attribute) else None
        args = [self.eval(arg, scope) for arg in node.args]
        kwargs = {kw.arg: self.eval(kw.value, scope) for kw in node.keywords}
        if isinstance(func, ast.Attribute):
            if func.attr not in fn.lookup(METHODS, receiver):
                raise self.fail(f"{type(receiver).__name__} has no method .{func.attr}()", node)
            return self.produced(fn.call_method(self, receiver, func.attr, args))
        spec = FUNCTIONS[func.id]
        if not spec.min_args <= len(args) <= spec.max_args:
            expected = (spec.min_args if spec.min_args == spec.max_args
                        else f"{spec.min_args} to {spec.max_args}")
            raise self.fail(f"{func.id}() takes {expected} arguments ({len(args)} given)", node)
        return self.produced(spec.impl(self, *args, **kwargs))

    def display(self, node: ast.List | ast.Tuple | ast.Set, scope: Mapping[str, Any]) -> Any:
        items = [self.eval(element, scope) for element in node.elts]
        kind = {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)]
        if kind is set:
            self.charge_weight(items)
            fn.check_hashes(self, items)
        return self.produced(kind(items))

    def dict_display(self, node: ast.Dict, scope: Mapping[str, Any]) -> dict[Any, Any]:
        pairs = [(self.eval(k, scope), self.eval(v, scope)) for k, v in zip(node.keys, node.values)]
        self.charge_weight([key for key, _ in pairs])
        fn.check_hashes(self, [key for key, _ in pairs])
        return self.produced(dict(pairs))

    def scopes(self, generators: list[ast.comprehension],
               scope: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        """Yields one scope per combination of a comprehension's for/if clauses."""
        first, rest = generators[0], generators[1:]
        for item in self.iterate(self.eval(first.iter, scope)):
            inner = ChainMap({}, scope)
            self.bind(first.target, item, inner)
            if all(self.eval(condition, inner) for condition in first.ifs):
                yield from (self.scopes(rest, inner) if rest else (inner,))

    def bind(self, target: ast.AST, value: Any, scope: ChainMap) -> None:
        if isinstance(target, ast.Name):
            scope[target.id] = value
            return
        values = self.materialize(value)
        if len(values) != len(target.elts):
            raise self.fail(f"cannot unpack {len(values)} values into {len(target.elts)} names",
                            target)
        for element, item in zip(target.elts, values):
            self.bind(element, item, scope)

    def comprehension(self, node: ast.ListComp | ast.SetComp, scope: Mapping[str, Any]) -> Any:
        items = []
        for inner in self.scopes(node.generators, scope):
            items.append(self.eval(node.elt, inner))
            self.check_items(len(items))
        if isinstance(node, ast.SetComp):
            self.charge_weight(items)
            fn.check_hashes(self, items)
            return self.produced(set(items))
        return self.produced(items)

    def dict_comprehension(self, node: ast.DictComp, scope: Mapping[str, Any]) -> dict:
        result, guard = {}, fn.HashGuard(self)
        for inner in self.scopes(node.generators, scope):
            key = self.eval(node.key, inner)
            self.charge_weight(key)
            guard.add(key)
            result[key] = self.eval(node.value, inner)
            self.check_items(len(result))
        return self.produced(result)

    def generator(self, node: ast.GeneratorExp, scope: Mapping[str, Any]) -> Iterator[Any]:
        # Lazy so that any()/all() stop early; the checker only lets consumers receive it.
        return (self.eval(node.elt, inner) for inner in self.scopes(node.generators, scope))

    def joined_str(self, node: ast.JoinedStr, scope: Mapping[str, Any]) -> str:
        parts = [self.eval(value, scope) for value in node.values]
        self.check_chars(sum(len(part) for part in parts))
        return self.produced("".join(parts))

    def formatted_value(self, node: ast.FormattedValue, scope: Mapping[str, Any]) -> str:
        value = self.eval(node.value, scope)
        if not isinstance(value, fn.SCALARS):
            raise self.fail(f"f-strings format single values, not {type(value).__name__}", node)
        if node.conversion != -1:
            value = {ord("r"): repr, ord("s"): str, ord("a"): ascii}[node.conversion](value)
        spec = node.format_spec.values[0].value if node.format_spec else ""
        return self.produced(format(value, spec))


_HANDLERS: dict[type, Callable[[_Evaluation, Any, Mapping[str, Any]], Any]] = {
    ast.Constant: lambda run, node, scope: node.value,
    ast.Name: _Evaluation.name,
    ast.BinOp: _Evaluation.binop,
    ast.UnaryOp: lambda run, node, scope: run.produced(
        _UNARYOPS[type(node.op)](run.eval(node.operand, scope))),
    ast.BoolOp: _Evaluation.boolop,
    ast.Compare: _Evaluation.compare,
    ast.IfExp: lambda run, node, scope: run.eval(
        node.body if run.eval(node.test, scope) else node.orelse, scope),
    ast.Subscript: _Evaluation.subscript,
    ast.Attribute: _Evaluation.attribute,
    ast.Call: _Evaluation.call,
    ast.List: _Evaluation.display,
    ast.Tuple: _Evaluation.display,
    ast.Set: _Evaluation.display,
    ast.Dict: _Evaluation.dict_display,
    ast.ListComp: _Evaluation.comprehension,
    ast.SetComp: _Evaluation.comprehension,
    ast.DictComp: _Evaluation.dict_comprehension,
    ast.GeneratorExp: _Evaluation.generator,
    ast.JoinedStr: _Evaluation.joined_str,
    ast.FormattedValue: _Evaluation.formatted_value,
}


class SafeScriptEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment that evaluates with :func:`evaluate`, never ``eval``.

    Args:
        limits: budgets for every expression.
        clock: time source for ``today()``/``now()``; the system clock (CST) by default.
        script_runner: ``runner(script, data) -> new data`` for script tasks, normally
            :func:`engine.sandbox.run_script`; ``None`` disables script tasks.

    How SpiffWorkflow 3.2 reports our errors: ``PythonScriptEngine.evaluate`` and
    ``.execute`` wrap them in a ``WorkflowTaskException`` (message ``"Error evaluating
    expression '...'"``, or ``"ScriptsDisabled:<message>"`` for scripts) that keeps only
    the class name in ``error_type``; the original is its ``__context__`` (see
    :func:`engine_error_behind`). Spiff calls ``environment.evaluate`` directly for process
    completion conditions, data-object conditions and message correlation, so those raise
    our errors unwrapped.
    """

    def __init__(self, *, limits: Limits = DEFAULT_LIMITS,
                 clock: Callable[[], datetime] | None = None,
                 script_runner: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
                 ) -> None:
        super().__init__()
        self.limits = limits
        self.clock = clock
        self.script_runner = script_runner

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None = None) -> Any:
        # Task data wins over the external context, as in Spiff's TaskDataEnvironment.
        names = ChainMap(context, external_context) if external_context else context
        return evaluate(expression, names, limits=self.limits, clock=self.clock)

    def execute(self, script: str, context: dict[str, Any],
                external_context: dict[str, Any] | None = None) -> bool:
        """Runs a script task in the sandbox and applies its result to ``context`` in place.

        Raises:
            ScriptsDisabled: no script runner was configured.
        """
        if self.script_runner is None:
            raise ScriptsDisabled("script tasks are disabled on this installation; "
                                  "ask an operator to enable them or use a service task")
        external = external_context or {}
        before = set(context)
        result = self.script_runner(script, {**external, **context})
        for key in before - result.keys():  # the script deleted it
            del context[key]
        # Like Spiff, values only visible through the external context are not stored.
        context.update({k: v for k, v in result.items() if k in before or k not in external})
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise EngineError("service tasks are not run by the script environment",
                          operation=kwargs.get("operation_name"))


def engine_error_behind(exc: BaseException) -> EngineError | None:
    """Finds our error behind the ``WorkflowTaskException`` SpiffWorkflow wrapped it in.

    ``PythonScriptEngine`` re-raises environment errors inside its ``except`` block, so the
    original is the wrapper's ``__context__`` (the wrapper itself keeps only ``error_type``).
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, EngineError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def make_script_engine(scripts_enabled: bool = False, limits: Limits = DEFAULT_LIMITS, *,
                       clock: Callable[[], datetime] | None = None,
                       script_timeout_s: float = 2.0,
                       script_memory_mb: int = 256) -> PythonScriptEngine:
    """Builds the script engine every workflow runs with (scripts off unless enabled)."""
    runner = (partial(run_script, timeout_s=script_timeout_s, memory_mb=script_memory_mb)
              if scripts_enabled else None)
    return PythonScriptEngine(environment=SafeScriptEnvironment(
        limits=limits, clock=clock, script_runner=runner))
