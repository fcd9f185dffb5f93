"""Proving a schema ``pattern`` safe before it is stored.

Two layers, because a pattern runs in two places:

* On the server every ``pattern`` runs under RE2 (``google-re2``), whose running
  time is linear in the input, whatever the pattern (see ``forms.keywords``), read as
  the browser reads it (:mod:`forms.regex_dialect`). So a pattern must compile under
  RE2: back-references and look-around are refused.
* In the applicant's browser the same pattern runs under a backtracking engine, so
  patterns that backtrack catastrophically are refused at save time as well. The
  analysis works on the parse tree of Python's own regex parser (``re._parser``,
  formerly ``sre_parse``) and flags, inside any repetition:

  - a variable-length part whose characters can also be matched by what follows it
    in the same or the next iteration (nested quantifiers: ``(a+)+``, ``(\\w+\\s?)*``,
    ``(.*a){20}``);
  - a repeated body that can match the empty string (``(a?)*``, ``(.*)*``);
  - alternatives that can start with the same character (``(a|a)*``, ``(\\w|\\d)+``).

  It is deliberately conservative: a safe pattern may be refused (the message
  says how to rewrite it), an exponential one is not let through.

Character sets are compared on a finite sample: ASCII, a few non-ASCII letters,
digits and spaces, and every character the pattern itself names.
"""

from __future__ import annotations

import re
import re._constants as C  # noqa: N812 - the parser's opcode names, as the stdlib spells them
import re._parser as sre_parse  # the stdlib parser; ``sre_parse`` warns on import since 3.11
from functools import lru_cache

import re2

from forms.regex_dialect import PatternUnsupported, quiet_options, to_analysis, to_re2

MAX_PATTERN_LENGTH = 1000

_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")

_SAMPLES = frozenset(chr(c) for c in range(128)) | frozenset("中é\u3000٣Ⅻ")
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT)
_CATEGORIES = {
    C.CATEGORY_DIGIT: str.isdecimal,
    C.CATEGORY_SPACE: str.isspace,
    C.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_",
    C.CATEGORY_LINEBREAK: lambda ch: ch == "\n",
}
_NEGATED = {
    C.CATEGORY_NOT_DIGIT: C.CATEGORY_DIGIT,
    C.CATEGORY_NOT_SPACE: C.CATEGORY_SPACE,
    C.CATEGORY_NOT_WORD: C.CATEGORY_WORD,
    C.CATEGORY_NOT_LINEBREAK: C.CATEGORY_LINEBREAK,
}


class _Analysis:
    """First-character sets, nullability and problems over one parse tree."""

    def __init__(self, universe: frozenset[str]) -> None:
        self.universe = universe
        self.problems: list[str] = []

    # -- character sets ---------------------------------------------------------
    def _category(self, code, ch: str) -> bool:
        if code in _NEGATED:
            return not _CATEGORIES[_NEGATED[code]](ch)
        return _CATEGORIES.get(code, lambda _ch: True)(ch)

    def _in_set(self, items, ch: str) -> bool:
        negate, hit = False, False
        for op, arg in items:
            if op is C.NEGATE:
                negate = True
            elif op is C.LITERAL:
                hit = hit or ord(ch) == arg
            elif op is C.RANGE:
                hit = hit or arg[0] <= ord(ch) <= arg[1]
            elif op is C.CATEGORY:
                hit = hit or self._category(arg, ch)
            else:  # unknown member: assume it may match
                hit = True
        return hit != negate

    def chars(self, op, arg) -> frozenset[str]:
        """Characters a single-character node can match."""
        if op is C.LITERAL:
            return frozenset((chr(arg),))
        if op is C.NOT_LITERAL:
            return self.universe - {chr(arg)}
        if op is C.IN:
            return frozenset(ch for ch in self.universe if self._in_set(arg, ch))
        return self.universe  # ANY and anything unexpected

    # -- first sets and nullability ----------------------------------------------
    def first(self, seq) -> tuple[frozenset[str], bool]:
        """(characters a sequence can start with, whether it can match empty)."""
        result: frozenset[str] = frozenset()
        for op, arg in seq:
            chars, nullable = self.node_first(op, arg)
            result |= chars
            if not nullable:
                return result, False
        return result, True

    def node_first(self, op, arg) -> tuple[frozenset[str], bool]:
        if op in (C.LITERAL, C.NOT_LITERAL, C.IN, C.ANY):
            return self.chars(op, arg), False
        if op is C.SUBPATTERN:
            return self.first(arg[3])
        if op is C.ATOMIC_GROUP:
            return self.first(arg)
        if op in _REPEATS:
            chars, nullable = self.first(arg[2])
            return chars, nullable or arg[0] == 0
        if op is C.BRANCH:
            parts = [self.first(alt) for alt in arg[1]]
            return frozenset().union(*(c for c, _ in parts)), any(n for _, n in parts)
        if op is C.GROUPREF:
            return self.universe, True
        return frozenset(), True  # AT, ASSERT, ASSERT_NOT: zero-width

    # -- the scan -----------------------------------------------------------------
    def scan(self, seq, follow: frozenset[str], in_repeat: bool) -> None:
        """Visit each node with the set of characters that may come right after it."""
        for index, (op, arg) in enumerate(seq):
            rest_first, rest_nullable = self.first(seq[index + 1 :])
            after = rest_first | follow if rest_nullable else rest_first
            self.visit(op, arg, after, in_repeat)

    def visit(self, op, arg, follow: frozenset[str], in_repeat: bool) -> None:
        if op is C.SUBPATTERN:
            self.scan(arg[3], follow, in_repeat)
        elif op is C.ATOMIC_GROUP:
            self.scan(arg, follow, in_repeat)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            self.scan(arg[1], frozenset(), in_repeat)
        elif op is C.BRANCH:
            self._branch(arg[1], follow, in_repeat)
        elif op in _REPEATS:
            self._repeat(arg, follow, in_repeat)

    def _branch(self, alternatives, follow: frozenset[str], in_repeat: bool) -> None:
        if in_repeat:
            starts = []
            for alt in alternatives:
                chars, nullable = self.first(alt)
                starts.append(chars | follow if nullable else chars)
                if nullable and not follow:
                    starts[-1] = starts[-1] | {""}  # two empty alternatives overlap too
            for i, left in enumerate(starts):
                if any(left & right for right in starts[i + 1 :]):
                    self.problems.append(
                        "alternatives inside a repetition can match the same text; "
                        "make them start differently, e.g. (ab|ac)* -> (a[bc])*"
                    )
                    break
        for alt in alternatives:
            self.scan(alt, follow, in_repeat)

    def _repeat(self, arg, follow: frozenset[str], in_repeat: bool) -> None:
        low, high, body = arg
        variable = low != high
        body_first, body_nullable = self.first(body)
        if high > 1 and body_nullable and high == C.MAXREPEAT:
            self.problems.append(
                "a repetition whose body can match the empty string, e.g. (a?)* or (.*)*"
            )
        if in_repeat and variable and body_first & follow:
            self.problems.append(
                "nested quantifiers over overlapping characters, e.g. (a+)+ or (\\w+\\s?)*; "
                "separate the repeated parts with a character they cannot match"
            )
        if high > 1:
            self.scan(body, body_first | follow, True)
        else:
            self.scan(body, follow, in_repeat)


def _separate_alternatives(pattern: str) -> str:
    """Put an empty group at the start of every alternative but the first.

    So that Python's parser keeps ``(a|a)`` and ``(\\w|\\d)`` as written (a browser does
    not merge them into a character set as Python does).
    """
    out: list[str] = []
    index, class_start = 0, -1
    while index < len(pattern):
        ch = pattern[index]
        if ch == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if class_start >= 0:
            at_start = index == class_start or (
                index == class_start + 1 and pattern[class_start] == "^"
            )
            if ch == "]" and not at_start:
                class_start = -1
        elif ch == "[":
            class_start = index + 1
        elif ch == "|":
            ch = "|()"
        out.append(ch)
        index += 1
    return "".join(out)


def _universe(pattern: str) -> frozenset[str]:
    named = {chr(int(m.group(1), 16)) for m in _UNICODE_ESCAPE.finditer(pattern)}
    named |= {chr(int(m.group(1), 16)) for m in re.finditer(r"\\x([0-9a-fA-F]{2})", pattern)}
    return _SAMPLES | frozenset(pattern) | frozenset(named)


@lru_cache(maxsize=1024)
def pattern_problems(pattern: str) -> tuple[str, ...]:
    """Every reason ``pattern`` is refused; empty when it is safe to store and run."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return (f"pattern is longer than {MAX_PATTERN_LENGTH} characters",)
    universe = _universe(pattern)
    try:
        analysed = to_analysis(pattern, universe)
        sre_parse.parse(analysed)
        tree = sre_parse.parse(_separate_alternatives(analysed))
        compile_linear(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return (f"not a valid regular expression: {exc}",)
    except PatternUnsupported as exc:
        return (str(exc),)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        return (
            "not supported by the linear-time engine "
            f"(no back-references or look-around): {reason}",
        )
    analysis = _Analysis(universe)
    try:
        analysis.scan(tree.data, frozenset(), False)
    except RecursionError:
        return ("pattern is nested too deeply to analyse",)
    return tuple(dict.fromkeys(analysis.problems))


@lru_cache(maxsize=4096)
def compile_linear(pattern: str):
    """Compile a pattern with RE2 for linear-time matching.

    The pattern is read as the browser reads it (:func:`forms.regex_dialect.to_re2`).

    Raises:
        re2.error: RE2 does not support the pattern (:func:`pattern_problems` says so first).
        PatternUnsupported: the pattern could not mean the same on the server as in the browser.
    """
    return re2.compile(to_re2(pattern), quiet_options())
