"""What an expression may contain, checked before it ever runs (see engine.expressions).

Parses an expression once (cached per text and limits) and walks the tree against an
allow-list of node types, function names (:data:`FUNCTIONS`), method and property names
(:data:`METHODS`, :data:`PROPERTIES`), with no ``__dunder__`` name or attribute anywhere.
Runtime budgets live in :class:`Limits` too, so one object configures both.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NoReturn

from .errors import ExpressionRejected
from .expression_functions import CONSUMERS, FUNCTIONS, METHODS, PROPERTIES


@dataclass(frozen=True)
class Limits:
    """Budgets for one evaluation; the defaults suit conditions evaluated on every step."""

    max_length: int = 2_000  # characters of source
    max_depth: int = 50  # nesting of the syntax tree
    max_steps: int = 100_000  # nodes visited + items iterated + elements compared or hashed
    max_seconds: float = 0.5  # wall clock, looked at every 1,024 steps
    max_items: int = 100_000  # elements in a list, tuple, set, dict or range produced
    max_string: int = 100_000  # characters in a string produced
    max_int_bits: int = 4_096  # about 1,230 decimal digits


DEFAULT_LIMITS = Limits()


_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.BitAnd,
              ast.BitOr, ast.BitXor, ast.UAdd, ast.USub, ast.Not, ast.And, ast.Or, ast.Eq,
              ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn)
_ALLOWED_NODES = frozenset((
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.Store, ast.BinOp, ast.UnaryOp,
    ast.BoolOp, ast.Compare, ast.IfExp, ast.Call, ast.keyword, ast.Attribute, ast.Subscript,
    ast.Slice, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp,
    ast.GeneratorExp, ast.comprehension, ast.JoinedStr, ast.FormattedValue, *_OPERATORS,
))
_NODE_NAMES = {ast.Lambda: "lambda", ast.NamedExpr: "assignment expressions (:=)",
               ast.Starred: "starred arguments (*x)", ast.Await: "await",
               ast.Yield: "yield", ast.YieldFrom: "yield"}
_CONSTANT_TYPES = (str, int, float, bool, type(None))
_METHOD_NAMES = frozenset().union(*METHODS.values())
_PROPERTY_NAMES = frozenset().union(*PROPERTIES.values())
_FORMAT_SPEC = re.compile(r"[^{}]{0,64}")
_BIG_NUMBER = re.compile(r"\d{4}")


def check_expression(expr: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Checks an expression against the allow-list without evaluating it.

    Raises:
        ExpressionRejected: with ``reason`` (``syntax``, ``too-long``, ``too-deep``,
            ``not-allowed``, ``dunder``, ``call-not-allowed``, ``attribute-not-allowed``)
            and, where a node is at fault, its ``column`` (1-based, in the stripped text).
    """
    parse_checked(expr, limits)


@lru_cache(maxsize=4096)
def parse_checked(expr: str, limits: Limits) -> ast.Expression:
    """Parses and checks once per (expression, limits); evaluating reuses the tree."""
    if not isinstance(expr, str):
        raise ExpressionRejected("expression must be text", expression=repr(expr), reason="syntax")
    source = expr.strip()
    if len(source) > limits.max_length:
        raise ExpressionRejected(f"expression is longer than {limits.max_length} characters",
                                 expression=expr[:200], reason="too-long")
    if not source:
        raise ExpressionRejected("expression is empty", expression=expr, reason="syntax")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExpressionRejected(f"invalid syntax: {exc.msg}", expression=expr, reason="syntax",
                                 column=exc.offset) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionRejected(f"cannot parse expression: {exc}", expression=expr,
                                 reason="syntax") from None
    _Checker(expr, limits).check(tree)
    return tree


class _Checker:
    """Walks a parsed expression and rejects the first construct outside the allow-list."""

    def __init__(self, expr: str, limits: Limits) -> None:
        self.expr = expr
        self.limits = limits

    def check(self, tree: ast.Expression) -> None:
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
        self.called = {id(call.func) for call in calls}
        self.consumed = {id(call.args[0]) for call in calls if call.args
                         and isinstance(call.func, ast.Name) and call.func.id in CONSUMERS}
        stack = [(tree, 1, tree)]
        while stack:  # iterative: a deep tree must not overflow our own stack
            node, depth, parent = stack.pop()
            if depth > self.limits.max_depth:
                self.reject(node if hasattr(node, "col_offset") else parent,
                            f"expression is nested deeper than {self.limits.max_depth}", "too-deep")
            self.check_node(node)
            stack.extend((child, depth + 1, node) for child in ast.iter_child_nodes(node))

    def reject(self, node: ast.AST, message: str, reason: str) -> NoReturn:
        column = getattr(node, "col_offset", None)
        line = getattr(node, "lineno", 1)
        raise ExpressionRejected(message, expression=self.expr, reason=reason,
                                 line=line if line > 1 else None,
                                 column=None if column is None else column + 1)

    def check_node(self, node: ast.AST) -> None:
        kind = type(node)
        if kind not in _ALLOWED_NODES:
            what = _NODE_NAMES.get(kind, kind.__name__)
            self.reject(node, f"{what} is not allowed in expressions", "not-allowed")
        handler = getattr(self, f"check_{kind.__name__}", None)
        if handler:
            handler(node)

    def check_Name(self, node: ast.Name) -> None:
        if _is_dunder(node.id):
            self.reject(node, f"name {node.id!r} is not allowed", "dunder")

    def check_Attribute(self, node: ast.Attribute) -> None:
        name = node.attr
        if _is_dunder(name):
            self.reject(node, f"attribute {name!r} is not allowed", "dunder")
        if name in _METHOD_NAMES and id(node) in self.called or name in _PROPERTY_NAMES:
            return
        if name in _METHOD_NAMES:
            self.reject(node, f"method .{name}() must be called", "attribute-not-allowed")
        allowed = ", ".join(sorted(_METHOD_NAMES | _PROPERTY_NAMES))
        self.reject(node, f"attribute .{name} is not allowed (allowed: {allowed})",
                    "attribute-not-allowed")

    def check_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if node.keywords:
                self.reject(node, f".{func.attr}() takes no keyword arguments", "not-allowed")
            return
        if not isinstance(func, ast.Name) or func.id not in FUNCTIONS:
            name = func.id if isinstance(func, ast.Name) else ast.unparse(func)[:40]
            self.reject(node, f"calling {name!r} is not allowed "
                              f"(allowed: {', '.join(sorted(FUNCTIONS))})", "call-not-allowed")
        spec = FUNCTIONS[func.id]
        for keyword in node.keywords:
            if keyword.arg not in spec.keywords:
                what = "**" if keyword.arg is None else f"keyword {keyword.arg!r}"
                self.reject(keyword, f"{func.id}() does not take {what}", "not-allowed")

    def check_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        if id(node) not in self.consumed:
            names = ", ".join(f"{name}()" for name in sorted(CONSUMERS))
            self.reject(node, f"a generator expression may only be passed to {names}",
                        "not-allowed")

    def check_comprehension(self, node: ast.comprehension) -> None:
        if node.is_async:
            self.reject(node.target, "async comprehensions are not allowed", "not-allowed")
        for target in ast.walk(node.target):
            if not isinstance(target, (ast.Name, ast.Tuple, ast.Store)):
                self.reject(target, "a comprehension may only bind names", "not-allowed")

    def check_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, _CONSTANT_TYPES):
            self.reject(node, f"{type(node.value).__name__} literals are not allowed",
                        "not-allowed")

    def check_Dict(self, node: ast.Dict) -> None:
        if any(key is None for key in node.keys):
            self.reject(node, "** in dict displays is not allowed", "not-allowed")

    def check_FormattedValue(self, node: ast.FormattedValue) -> None:
        spec = node.format_spec
        if spec is None or not spec.values:
            return
        text = spec.values[0].value if len(spec.values) == 1 else None  # node if nested
        allowed = isinstance(text, str) and _FORMAT_SPEC.fullmatch(text)
        if not allowed or _BIG_NUMBER.search(text):
            self.reject(node, "an f-string format spec must be a constant of at most 64 "
                              "characters with widths below 1000", "not-allowed")


def _is_dunder(name: str | None) -> bool:
    return bool(name) and name.startswith("__") and name.endswith("__")

