"""One ``pattern``, three engines: what a form's pattern means in the browser, on the server, in the analysis.

Forms are written in the browser's dialect (ECMAScript, ``u`` flag), where the applicant
types. The server runs every pattern under RE2 and proves it safe with Python's regex
parser; both read a few things differently, so the pattern is translated for each:

* ``\\s`` is :data:`WHITESPACE`, ECMAScript's white space and line terminators, which
  include the ideographic space U+3000 that Chinese input is full of (RE2's ``\\s`` is
  ASCII only). ``\\S`` is its complement. The browser's own ``\\s`` is this set, so server
  and browser agree (``tests/unit/forms/test_form_patterns.py`` checks it against Node).
* Unicode property classes (``\\p{Han}``, ``\\p{L}``, ``\\P{Lu}``, ``\\pN``; also
  ``\\p{Script=Han}`` and ``\\p{gc=L}``) run under RE2 as RE2 names them; the browser
  spells a script ``\\p{Script=Han}`` (see ``designer/src/forms/patterns.js``, which
  applies :func:`browser_property` 's rule). For the safety analysis, whose parser has no
  ``\\p``, each becomes the sample characters RE2 says it matches.
* ``\\uXXXX`` and ``\\u{X...}`` become RE2's ``\\x{...}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import re2

# ECMAScript WhiteSpace and LineTerminator (ECMA-262 sections 12.2 and 12.3): what \s matches there.
WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
             "\u2028\u2029\u202f\u205f\u3000\ufeff"

# Unicode general categories by their long names and the aliases a browser accepts, as RE2 spells
# them (it knows the short names only); a browser knows every spelling (designer/src/forms/patterns.js).
GENERAL_CATEGORIES = {
    "Other": "C", "Control": "Cc", "cntrl": "Cc", "Format": "Cf", "Unassigned": "Cn", "Private_Use": "Co",
    "Surrogate": "Cs", "Letter": "L", "Cased_Letter": "LC", "Lowercase_Letter": "Ll", "Modifier_Letter": "Lm",
    "Other_Letter": "Lo", "Titlecase_Letter": "Lt", "Uppercase_Letter": "Lu", "Mark": "M", "Combining_Mark": "M",
    "Spacing_Mark": "Mc", "Enclosing_Mark": "Me", "Nonspacing_Mark": "Mn", "Number": "N", "Decimal_Number": "Nd",
    "digit": "Nd", "Letter_Number": "Nl", "Other_Number": "No", "Punctuation": "P", "punct": "P",
    "Connector_Punctuation": "Pc", "Dash_Punctuation": "Pd", "Close_Punctuation": "Pe",
    "Final_Punctuation": "Pf", "Initial_Punctuation": "Pi", "Other_Punctuation": "Po", "Open_Punctuation": "Ps",
    "Symbol": "S", "Currency_Symbol": "Sc", "Modifier_Symbol": "Sk", "Math_Symbol": "Sm", "Other_Symbol": "So",
    "Separator": "Z", "Line_Separator": "Zl", "Paragraph_Separator": "Zp", "Space_Separator": "Zs",
}

_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]{1,6}\}|x[0-9a-fA-F]{2}|[pP]\{[^}]*\}|[pP][A-Za-z]|c[A-Za-z]|.)",
                     re.DOTALL)
_PROPERTY = re.compile(r"\\([pP])(?:\{(?:(?:Script|sc|General_Category|gc)=)?([^}=]*)\}|([A-Za-z]))")


class PatternUnsupported(ValueError):
    """A construct whose meaning would differ between the browser and the server."""


@dataclass(frozen=True)
class _Class:
    negated: bool
    items: tuple[str, ...]  # single characters, escapes and '-' as written


def _tokens(pattern: str) -> Iterator[str | _Class]:
    """Escapes, character classes and single characters, in order."""
    index = 0
    while index < len(pattern):
        if pattern[index] == "\\":
            escape = _ESCAPE.match(pattern, index)
            token = escape.group(0) if escape else pattern[index:]
            yield token
            index += len(token)
        elif pattern[index] == "[":
            index = yield from _class(pattern, index + 1)
        else:
            yield pattern[index]
            index += 1


def _class(pattern: str, index: int):
    negated = pattern.startswith("^", index)
    index += negated
    items, first = [], True
    while index < len(pattern) and (pattern[index] != "]" or first):
        escape = _ESCAPE.match(pattern, index) if pattern[index] == "\\" else None
        token = escape.group(0) if escape else pattern[index]
        items.append(token)
        index += len(token)
        first = False
    if index >= len(pattern):  # unterminated: leave the text to the parsers, which say so
        yield "[" + "^" * negated + "".join(items)
        return index
    yield _Class(negated, tuple(items))
    return index + 1


def _code_point(escape: str) -> str:
    """``\\uXXXX``, ``\\u{X...}`` or ``\\cX`` as RE2's ``\\x{...}``."""
    if escape.startswith("\\c"):
        return f"\\x{{{ord(escape[2]) % 32:x}}}"
    digits = escape[2:].strip("{}")
    return f"\\x{{{digits}}}"


def _members(characters: str) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in characters)


def to_re2(pattern: str) -> str:
    """The pattern as RE2 must read it to match what the browser matches.

    Raises:
        PatternUnsupported: ``\\S`` inside a negated class (``[^\\S...]``), which RE2 cannot express.
    """
    out = []
    for token in _tokens(pattern):
        if isinstance(token, _Class):
            out.append(_class_for_re2(token))
        elif token == "\\s":
            out.append(f"[{_members(WHITESPACE)}]")
        elif token == "\\S":
            out.append(f"[^{_members(WHITESPACE)}]")
        elif token.startswith(("\\u", "\\c")):
            out.append(_code_point(token))
        elif token.startswith(("\\p", "\\P")):
            out.append(re2_property(token))
        else:
            out.append(token)
    return "".join(out)


def _class_for_re2(token: _Class) -> str:
    body, not_space = [], False
    for item in token.items:
        if item == "\\s":
            body.append(_members(WHITESPACE))
        elif item == "\\S":
            not_space = True
        elif item.startswith(("\\u", "\\c")):
            body.append(_code_point(item))
        elif item.startswith(("\\p", "\\P")):
            translated = re2_property(item)
            body.append(translated[1:-1] if translated.startswith("[") else translated)
        else:
            body.append(item)
    rest = "".join(body)
    if not not_space:
        return f"[{'^' * token.negated}{rest}]"
    if token.negated:
        raise PatternUnsupported("\\S inside a negated class [^...] cannot mean the same on the server and in "
                                 "the browser; write the class without it")
    anything_but_space = f"[^{_members(WHITESPACE)}]"
    return f"(?:{anything_but_space}|[{rest}])" if rest else anything_but_space


def re2_property(escape: str) -> str:
    """``\\p{Script=Han}`` / ``\\p{gc=L}`` / ``\\p{Letter}`` / ``\\pL`` as RE2 names them: ``\\p{Han}``, ``\\p{L}``."""
    found = _PROPERTY.fullmatch(escape)
    if not found:
        return escape
    kind, name = found.group(1), found.group(2) or found.group(3)
    if name == "ASCII":
        return "[[:ascii:]]" if kind == "p" else "[[:^ascii:]]"
    return f"\\{kind}{{{GENERAL_CATEGORIES.get(name, name)}}}"


def browser_property(escape: str) -> str:
    """The same class as a browser's ``u``-flag RegExp spells it (scripts need ``Script=``)."""
    found = _PROPERTY.fullmatch(escape)
    if not found:
        return escape
    kind, name = found.group(1), found.group(2) or found.group(3)
    if len(name) <= 2 or name in GENERAL_CATEGORIES or name in ("Any", "ASCII"):
        return f"\\{kind}{{{name}}}"
    return f"\\{kind}{{Script={name}}}"


def to_analysis(pattern: str, universe: frozenset[str]) -> str:
    """The pattern for Python's parser: each property class becomes the sample characters it matches."""
    def members(escape: str) -> str:
        chars = property_matches(escape, universe)
        return "".join(f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}" for c in sorted(chars))

    def plain(item: str) -> str:
        if item.startswith(("\\p", "\\P")):
            return members(item) or "\\ue000"  # matches no sample: a private-use character
        if item.startswith("\\u{"):
            return f"\\U{int(item[3:-1], 16):08x}"
        if item.startswith("\\c"):
            return f"\\x{ord(item[2]) % 32:02x}"
        return item

    out = []
    for token in _tokens(pattern):
        if isinstance(token, _Class):
            out.append(f"[{'^' * token.negated}{''.join(plain(i) for i in token.items)}]")
        elif token.startswith(("\\p", "\\P")):
            out.append(f"[{plain(token)}]")
        else:
            out.append(plain(token))
    return "".join(out)


def property_matches(escape: str, universe: frozenset[str]) -> frozenset[str]:
    """The characters of ``universe`` a property class matches, as RE2 decides."""
    matcher: Callable = re2.compile(re2_property(escape), quiet_options()).fullmatch
    return frozenset(c for c in universe if matcher(c))


@lru_cache(maxsize=1)
def quiet_options() -> re2.Options:
    """RE2 options that report a refused pattern to the author instead of logging it."""
    options = re2.Options()
    options.log_errors = False
    return options
