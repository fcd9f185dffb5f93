"""Translate JUEL, the expression language of Camunda 7, into our sandbox's Python.

Only the expression part of JUEL has a Python equivalent: literals, variables,
property access (``a.b`` becomes ``a['b']``, task data being dicts), indexing,
arithmetic, comparisons, ``&& || !`` and their word forms, ``empty`` and the
ternary operator. Method and function calls, Camunda's context objects
(``execution``, ``task``) and composite text such as ``Dear ${name}`` raise
:class:`JuelUnsupported`. The output uses as few parentheses as Python's
precedence allows, so ``${amount > 1000 && level == 'city'}`` reads
``amount > 1000 and level == 'city'``.
"""

from __future__ import annotations

import keyword
import re

from .errors import EngineError


class JuelUnsupported(EngineError):
    """A JUEL expression that has no Python equivalent in our sandbox."""

    code = "juel-unsupported"


_JUEL_START = re.compile(r"[$#]\{")
_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<number>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
    | (?P<name>[^\W\d]\w*)
    | (?P<op>&&|\|\||==|!=|<=|>=|[-+*/%!<>?:.,()\[\]{}])
    """,
    re.VERBOSE,
)
# Python precedence levels of what we emit, lowest first.
_TERNARY, _OR, _AND, _NOT, _CMP, _ADD, _MUL, _UNARY, _POSTFIX, _ATOM = range(1, 11)
# JUEL binary operators, loosest binding first (equality binds looser than relations).
_BINARY_LEVELS = (
    ({"||": "or", "or": "or"}, _OR),
    ({"&&": "and", "and": "and"}, _AND),
    ({"==": "==", "!=": "!=", "eq": "==", "ne": "!="}, _CMP),
    ({"<": "<", ">": ">", "<=": "<=", ">=": ">=", "lt": "<", "gt": ">", "le": "<=", "ge": ">="}, _CMP),
    ({"+": "+", "-": "-"}, _ADD),
    ({"*": "*", "/": "/", "div": "/", "%": "%", "mod": "%"}, _MUL),
)
_LITERALS = {"true": "True", "false": "False", "null": "None"}
_OPERATOR_WORDS = frozenset({"and", "or", "not", "eq", "ne", "lt", "gt", "le", "ge", "empty", "div", "mod"})
# Camunda's context objects; only useful through method calls, which we cannot run.
_CONTEXT_OBJECTS = frozenset({"execution", "task", "caseExecution", "externalTask", "variableScope"})

_Node = tuple[str, int]  # (python source, precedence)
# Deepest nesting of parentheses, indexes, ternaries and prefix operators taken: the parser
# recurses, and the Python it emits may not nest deeper than expressions do (Limits.max_depth).
MAX_NESTING = 50


def has_juel(text: str | None) -> bool:
    """True when ``text`` contains a ``${...}`` or ``#{...}`` expression."""
    return bool(text) and _JUEL_START.search(text) is not None


def translate_juel(text: str) -> str:
    """Translate one JUEL expression (``${...}``) to Python; other text comes back unchanged.

    ``${amount > 1000 && level == 'city'}`` becomes ``amount > 1000 and level == 'city'``;
    ``a.b`` becomes ``a['b']`` (task data are dicts); ``empty x`` becomes ``not x``.

    Raises:
        JuelUnsupported: Method or function calls, Camunda context objects,
            text around the ``${...}`` (composite expressions) or a syntax error.
    """
    return translate_with_names(text)[0]


def translate_with_names(text: str) -> tuple[str, frozenset[str]]:
    """Like :func:`translate_juel`, also returning the variable names the expression reads."""
    stripped = text.strip()
    start = _JUEL_START.search(stripped)
    if start is None:
        return text, frozenset()
    if start.start() != 0:
        raise JuelUnsupported("text around ${...} (a composite JUEL expression) is not supported", expression=text)
    tokens, end = _tokenize(stripped, start.end(), text)
    if stripped[end:].strip():
        raise JuelUnsupported("text around ${...} (a composite JUEL expression) is not supported", expression=text)
    parser = _JuelParser(tokens, text)
    return parser.parse()[0], frozenset(parser.names)


def _tokenize(text: str, pos: int, original: str) -> tuple[list[tuple[str, str]], int]:
    tokens: list[tuple[str, str]] = []
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise JuelUnsupported(f"unexpected character {text[pos]!r} in JUEL", expression=original)
        pos = match.end()
        if match.lastgroup == "space":
            continue
        if match.group() == "}":
            return tokens, pos
        tokens.append((match.lastgroup, match.group()))
    raise JuelUnsupported("JUEL expression has no closing '}'", expression=original)


def _wrap(node: _Node, needs_parens: bool) -> str:
    return f"({node[0]})" if needs_parens else node[0]


class _JuelParser:
    """Recursive descent over JUEL's grammar, emitting Python with minimal parentheses."""

    def __init__(self, tokens: list[tuple[str, str]], source: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.source = source
        self.names: set[str] = set()
        self.depth = 0

    def parse(self) -> _Node:
        if not self.tokens:
            self._fail("empty JUEL expression")
        node = self._expression()
        if self.pos < len(self.tokens):
            self._fail(f"unexpected {self.tokens[self.pos][1]!r}")
        return node

    def _fail(self, message: str):
        raise JuelUnsupported(message, expression=self.source)

    def _peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def _next(self) -> tuple[str, str]:
        token = self._peek()
        if token[0] == "end":
            self._fail("JUEL expression ends too early")
        self.pos += 1
        return token

    def _expect(self, text: str) -> None:
        if self._next()[1] != text:
            self._fail(f"expected {text!r}")

    def _is_operator(self, table: dict[str, str]) -> bool:
        kind, text = self._peek()
        return kind in ("op", "name") and text in table

    def _nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            self._fail(f"JUEL expression is nested deeper than {MAX_NESTING} levels")

    def _expression(self) -> _Node:
        self._nested()
        node = self._conditional()
        self.depth -= 1
        return node

    def _conditional(self) -> _Node:
        condition = self._binary(0)
        if self._peek() != ("op", "?"):
            return condition
        self._next()
        then = self._expression()
        self._expect(":")
        otherwise = self._expression()
        source = (
            f"{_wrap(then, then[1] <= _TERNARY)} if {_wrap(condition, condition[1] <= _TERNARY)}"
            f" else {otherwise[0]}"
        )
        return source, _TERNARY

    def _binary(self, level: int) -> _Node:
        if level == len(_BINARY_LEVELS):
            return self._unary()
        table, precedence = _BINARY_LEVELS[level]
        left = self._binary(level + 1)
        while self._is_operator(table):
            operator = table[self._next()[1]]
            right = self._binary(level + 1)
            # Python chains comparisons (a < b == c); JUEL does not, so nest them explicitly.
            left_parens = left[1] < precedence or (precedence == _CMP and left[1] == _CMP)
            left = f"{_wrap(left, left_parens)} {operator} {_wrap(right, right[1] <= precedence)}", precedence
        return left

    def _unary(self) -> _Node:
        kind, text = self._peek()
        negation = (kind, text) == ("op", "!") or (kind == "name" and text in ("not", "empty"))
        if not negation and (kind, text) != ("op", "-"):
            return self._value()
        self._next()
        self._nested()
        operand = self._unary()
        self.depth -= 1
        if negation:
            return f"not {_wrap(operand, operand[1] < _NOT)}", _NOT
        return f"-{_wrap(operand, operand[1] < _UNARY)}", _UNARY

    def _value(self) -> _Node:
        node = self._primary()
        while True:
            token = self._peek()
            if token == ("op", "."):
                self._next()
                kind, name = self._next()
                if kind != "name":
                    self._fail("expected a property name after '.'")
                if self._peek() == ("op", "("):
                    self._fail(f"method calls are not supported ({name}(...))")
                node = f"{_wrap(node, node[1] < _POSTFIX)}[{name!r}]", _POSTFIX
            elif token == ("op", "["):
                self._next()
                index = self._expression()
                self._expect("]")
                node = f"{_wrap(node, node[1] < _POSTFIX)}[{index[0]}]", _POSTFIX
            elif token == ("op", "("):
                self._fail("function calls are not supported")
            else:
                return node

    def _primary(self) -> _Node:
        kind, text = self._next()
        if kind == "string":
            body = re.sub(r"\\([\\'\"])", r"\1", text[1:-1])
            return repr(body), _ATOM
        if kind == "number":
            return (str(int(text)) if text.isdigit() else text), _ATOM
        if kind == "name":
            return self._name(text)
        if text == "(":
            inner = self._expression()
            self._expect(")")
            return inner
        if text in ("[", "{"):
            self._fail("list, set and map literals are not supported")
        self._fail(f"unexpected {text!r}")

    def _name(self, name: str) -> _Node:
        if name in _LITERALS:
            return _LITERALS[name], _ATOM
        if name in _OPERATOR_WORDS or name == "instanceof":
            self._fail(f"unexpected operator {name!r}")
        if self._peek() == ("op", ":") and self._peek(1)[0] == "name" and self._peek(2) == ("op", "("):
            self._fail(f"function calls are not supported ({name}:{self._peek(1)[1]}(...))")
        if name in _CONTEXT_OBJECTS:
            self._fail(f"Camunda's {name!r} object is not available")
        if keyword.iskeyword(name) or not name.isidentifier():
            self._fail(f"{name!r} cannot be a variable name in Python")
        self.names.add(name)
        return name, _ATOM
