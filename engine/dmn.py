"""DMN documents: recognised, checked and every cell's expression allow-listed at deploy.

SpiffWorkflow evaluates a decision table's cells through the workflow's script engine
only when a business rule task runs, so a cell the sandbox refuses (``__import__('os')``)
would deploy and then fail every case that reaches the table. :func:`dmn_issues` builds
each expression exactly as SpiffWorkflow's ``DMNEngine`` will (an input entry becomes
``(input) == (entry)``, ``input <entry>`` or, with ``?``, the entry with the input put in)
and checks it with :func:`engine.expressions.check_expression`, reporting the cell's id
and line. It also refuses what SpiffWorkflow's DMN support cannot run: a decision
without a decision table (literal expressions, requirement graphs only), several
decisions in one file, and hit policies whose meaning it does not implement.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Iterator

from lxml import etree

from .errors import ExpressionRejected, LintIssue
from .expressions import check_expression

DMN_NAMESPACE = re.compile(r"https?://www\.omg\.org/spec/DMN/")
# SpiffWorkflow takes the first matching rule (UNIQUE, FIRST, ANY) or all of them (COLLECT).
SUPPORTED_HIT_POLICIES = frozenset({"UNIQUE", "FIRST", "ANY", "COLLECT"})
# The ``?`` of a cell such as ``4 < ? < 6`` outside quotes, as DMNEngine finds it.
_QUESTION_MARK = re.compile(r"""(\?)(?=(?:[^'"]|['"][^'"]*['"])*$)""")


def is_dmn(root: etree._Element) -> bool:
    """Whether a parsed document is a DMN ``definitions`` element (any DMN version)."""
    if not isinstance(root.tag, str):
        return False
    name = etree.QName(root)
    return name.localname == "definitions" and bool(DMN_NAMESPACE.match(name.namespace or ""))


def for_spiff(root: etree._Element) -> etree._Element:
    """The document with the prefix ``dmn`` bound to its namespace, as SpiffWorkflow's XPath expects.

    SpiffWorkflow maps ``dmn`` to the default namespace only; a file that writes
    ``<dmn13:definitions>`` is the same document and must read the same: a copy under a
    root that declares ``dmn`` (source lines kept).
    """
    namespace = etree.QName(root).namespace
    if namespace in (root.nsmap.get(None), root.nsmap.get("dmn")):
        return root
    renamed = etree.Element(root.tag, attrib=dict(root.attrib), nsmap={**root.nsmap, "dmn": namespace})
    renamed.extend(copy.deepcopy(child) for child in root)
    renamed.sourceline = root.sourceline
    return renamed


def decision_ids(root: etree._Element) -> list[str]:
    """Ids of the decisions a DMN document holds."""
    return [d.get("id") for d in _children(root, "decision") if d.get("id")]


def dmn_issues(root: etree._Element, filename: str | None = None) -> list[LintIssue]:
    """Everything that would stop a DMN document from deciding as drawn; empty when it runs."""
    decisions = _children(root, "decision")
    if not decisions:
        return [_issue("dmn-no-decision", "the DMN document holds no decision", root, filename)]
    if len(decisions) > 1:
        return [_issue("dmn-unsupported", f"the DMN document holds {len(decisions)} decisions; only one decision "
                       "per file is supported (put each in its own file)", decisions[1], filename)]
    tables = _children(decisions[0], "decisionTable")
    if len(tables) != 1:
        what = "no decision table" if not tables else f"{len(tables)} decision tables"
        return [_issue("dmn-unsupported", f"the decision has {what}; exactly one decision table is supported "
                       "(literal expressions and other decision logic are not)", decisions[0], filename)]
    return list(_table_issues(tables[0], filename))


def _table_issues(table: etree._Element, filename: str | None) -> Iterator[LintIssue]:
    policy = (table.get("hitPolicy") or "UNIQUE").upper()
    if policy not in SUPPORTED_HIT_POLICIES:
        yield _issue("dmn-unsupported", f"hit policy {policy} is not supported (use UNIQUE, FIRST, ANY or "
                     "COLLECT)", table, filename)
    if table.get("aggregation"):
        yield _issue("dmn-unsupported", f"COLLECT with aggregation {table.get('aggregation')} is not supported; "
                     "the rule task returns the list of outputs", table, filename)
    inputs = _children(table, "input")
    expressions = []
    for column in inputs:
        yield from _language_issues(column, filename)
        text_node = _first(column, "inputExpression", "text")
        text = (text_node.text or "").strip() if text_node is not None else ""
        expressions.append(text)
        if not text:
            yield _issue("dmn-input-no-expression", "the input column has no expression", column, filename)
        else:
            yield from _check(text, text_node, "input expression", filename)
    outputs = _children(table, "output")
    for rule in _children(table, "rule"):
        entries = _children(rule, "inputEntry")
        results = _children(rule, "outputEntry")
        if len(entries) != len(inputs) or len(results) != len(outputs):
            yield _issue("dmn-rule-incomplete", f"the rule has {len(entries)} input and {len(results)} output "
                         f"cells for {len(inputs)} input and {len(outputs)} output columns", rule, filename)
            continue
        for entry, input_text in zip(entries, expressions):
            yield from _entry_issues(entry, input_text, filename)
        for result in results:
            yield from _language_issues(result, filename)
            text_node = _first(result, "text")
            text = (text_node.text or "").strip() if text_node is not None else ""
            if text:
                yield from _check(text, text_node, "output cell", filename)


def _entry_issues(entry: etree._Element, input_text: str, filename: str | None) -> Iterator[LintIssue]:
    yield from _language_issues(entry, filename)
    text_node = _first(entry, "text")
    text = (text_node.text or "").strip() if text_node is not None else ""
    if not text or text == "-" or not input_text:
        return
    yield from _check(_as_evaluated(input_text, text), text_node, "input cell", filename, shown=text)


def _as_evaluated(input_text: str, cell: str) -> str:
    """The expression SpiffWorkflow's DMNEngine evaluates for one input cell."""
    if _QUESTION_MARK.search(cell):
        return _QUESTION_MARK.sub(f"({input_text})", cell)
    try:
        ast.parse(cell)
    except SyntaxError:
        return input_text + " " + cell  # "> 1000": the cell continues the input expression
    return f"({input_text}) == ({cell})"


def _check(expression: str, node: etree._Element, what: str, filename: str | None,
           shown: str | None = None) -> Iterator[LintIssue]:
    try:
        check_expression(expression)
    except ExpressionRejected as error:
        yield _issue("expression-rejected", f"{what}: {error.message}: {shown or expression}", node, filename)


def _language_issues(element: etree._Element, filename: str | None) -> Iterator[LintIssue]:
    """Cells are Python expressions here; a column or cell in FEEL or another language is refused."""
    for node in (element, _first(element, "inputExpression")):
        language = (node.get("expressionLanguage") if node is not None else None) or ""
        if language and language.lower() not in ("python", "text/x-python"):
            yield _issue("expression-language-unsupported", f"expression language {language!r} cannot run here; "
                         "write cells as Python expressions", node, filename)


def _children(element: etree._Element, local: str) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and etree.QName(c).localname == local]


def _first(element: etree._Element, *path: str) -> etree._Element | None:
    for local in path:
        found = _children(element, local)
        if not found:
            return None
        element = found[0]
    return element


def _issue(code: str, message: str, element: etree._Element, filename: str | None) -> LintIssue:
    owner = element
    while owner is not None and owner.get("id") is None:
        owner = owner.getparent()
    return LintIssue(code, message, element_id=owner.get("id") if owner is not None else None,
                     line=element.sourceline, file=filename)
