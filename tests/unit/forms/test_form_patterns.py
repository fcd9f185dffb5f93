"""A form's pattern means the same on the server (RE2) as in the applicant's browser.

Where Node is installed (CI builds the UI with it), the browser side is the real thing: the
UI's own ``designer/src/forms/patterns.js`` and a ``u``-flag RegExp, as the form validator
in the page compiles them.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from forms.regex_dialect import WHITESPACE, browser_property
from forms.regex_safety import compile_linear, pattern_problems
from forms.schema_check import schema_problems
from forms.validation import validate_submission
from support.paths import REPO

NODE = shutil.which("node")
PATTERNS_JS = REPO / "designer" / "src" / "forms" / "patterns.js"
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

CASES = [
    ("^\\p{Han}+$", ["政务服务", "政务 服务", "abc", "中"]),
    ("^[\\p{Han}·]{2,20}$", ["阿依古丽·买买提", "Ali", "张"]),
    ("^\\p{Script=Han}{2}$", ["张三", "张"]),
    ("^\\pL+$", ["政务abc", "123"]),
    ("^\\P{Lu}+$", ["abc", "aBc"]),
    ("^\\s*$", ["\u3000", " \t", "\u00a0\ufeff", "x"]),
    ("^\\S+$", ["张三", "张\u3000三", "a\u2028"]),
    ("^[\\s\\d]+$", ["1\u30002", "1a"]),
    ("^[\\S]+$", ["ab", "a\u3000"]),
    ("^[^\\s]+$", ["ab", "a\u3000"]),
    ("^[\\u4e00-\\u9fa5]{2,4}$", ["张三", "abc"]),
    ("^\\u{1F600}$", ["\U0001f600", "x"]),
    ("^\\p{Letter}cole$", ["école", "1cole"]),
    ("^\\p{digit}+$", ["42", "৪২", "x"]),
    ("^[\\p{ASCII}]+$", ["abc", "政务"]),
    ("^\\cA$", ["\x01", "A"]),
]


def _node(script: str, payload) -> object:
    result = subprocess.run([NODE, "--input-type=module", "-e", script], input=json.dumps(payload),
                            capture_output=True, text=True, check=True, timeout=60)
    return json.loads(result.stdout)


@needs_node
def test_the_servers_whitespace_is_exactly_what_the_browsers_backslash_s_matches():
    browser = _node("const out = []; for (let c = 0; c <= 0x10ffff; c++) { if (c >= 0xd800 && c <= 0xdfff) "
                    "continue; if (/\\s/u.test(String.fromCodePoint(c))) out.push(c); } "
                    "console.log(JSON.stringify(out));", None)
    assert browser == sorted(ord(c) for c in WHITESPACE)
    assert 0x3000 in browser


@needs_node
def test_server_and_browser_agree_on_every_case():
    script = (f"import {{ browserPattern }} from {json.dumps(PATTERNS_JS.as_uri())};"
              "let data = ''; process.stdin.on('data', (d) => { data += d; }); process.stdin.on('end', () => {"
              " const out = JSON.parse(data).map(([p, texts]) => texts.map((t) =>"
              " new RegExp(browserPattern(p), 'u').test(t))); console.log(JSON.stringify(out)); });")
    browser = _node(script, CASES)
    server = [[compile_linear(p).search(t) is not None for t in texts] for p, texts in CASES]
    assert server == browser


@needs_node
def test_the_browsers_spelling_of_property_classes_is_the_servers_rule():
    escapes = ["\\p{Han}", "\\P{Han}", "\\pL", "\\p{Lu}", "\\p{Script=Latin}", "\\p{gc=Nd}", "\\p{Any}",
               "\\p{Greek}", "\\p{Letter}", "\\p{digit}", "\\P{ASCII}"]
    script = (f"import {{ browserPattern }} from {json.dumps(PATTERNS_JS.as_uri())};"
              "let data = ''; process.stdin.on('data', (d) => { data += d; }); process.stdin.on('end', () => {"
              " console.log(JSON.stringify(JSON.parse(data).map(browserPattern))); });")
    assert _node(script, escapes) == [browser_property(e) for e in escapes]


@pytest.mark.parametrize("pattern", [p for p, _ in CASES])
def test_unicode_classes_and_whitespace_patterns_are_accepted(pattern):
    assert pattern_problems(pattern) == ()


def test_an_ideographic_space_is_whitespace_to_the_server_too():
    form = {"type": "object", "properties": {"name": {"type": "string", "pattern": "^\\S+$"}}}
    assert schema_problems(form) == []
    assert [e.pointer for e in validate_submission(form, {"name": "张\u3000三"})] == ["/name"]
    assert validate_submission(form, {"name": "张三"}) == []


def test_a_chinese_name_pattern_written_with_a_script_class_validates():
    form = {"type": "object", "properties": {"name": {"type": "string", "pattern": "^\\p{Han}{2,4}$"}}}
    assert schema_problems(form) == []
    assert validate_submission(form, {"name": "张三丰"}) == []
    assert [e.pointer for e in validate_submission(form, {"name": "Zhang"})] == ["/name"]


def test_a_negated_class_with_backslash_capital_s_is_refused_saying_why():
    [problem] = pattern_problems("^[^\\S\\n]+$")
    assert "\\S inside a negated class" in problem
