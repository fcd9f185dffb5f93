"""SpiffWorkflow's own verdict on a BPMN document, turned into lint issues.

Runs after :func:`engine.lint.lint_tree`: our checks explain what we know to be
unsupported; this catches whatever else the SpiffWorkflow parser refuses, with
the element id and line recovered from its exception.
"""

from __future__ import annotations

import warnings

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from .errors import LintIssue
from .parser import YiwangParser


def spiff_validation_issues(
    root: etree._Element, filename: str | None = None, *, parser: BpmnParser | None = None
) -> list[LintIssue]:
    """SpiffWorkflow's own verdict on a document, as lint issues.

    Adds the document to ``parser`` (a fresh :class:`~engine.parser.YiwangParser` by default) and
    builds the spec of every executable process and subprocess in it.
    """
    parser = parser if parser is not None else YiwangParser()
    issues: list[LintIssue] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            parser.add_bpmn_xml(root, filename)
        except ValidationException as error:
            issues.append(_from_validation(error, root, filename))
        except Exception as error:  # noqa: BLE001 - whatever SpiffWorkflow raises is a verdict on the file
            issues.append(_from_crash(error, None, filename))
        else:
            issues.extend(_build_specs(parser, root, filename))
    for warning in caught:
        issues.append(LintIssue("spiff-warning", str(warning.message), file=filename, severity="warning"))
    return issues


def _build_specs(parser: BpmnParser, root: etree._Element, filename: str | None) -> list[LintIssue]:
    """get_spec for every executable process parser from this document, including subprocesses found on the way."""
    issues, done = [], set()
    while True:
        pending = [
            process_id for process_id, process_parser in parser.process_parsers.items()
            if process_id not in done and process_parser.process_executable
            and process_parser.node.getroottree().getroot() is root
        ]
        if not pending:
            return issues
        for process_id in pending:
            done.add(process_id)
            try:
                parser.get_spec(process_id)
            except ValidationException as error:
                issues.append(_from_validation(error, root, filename))
            except Exception as error:  # noqa: BLE001
                issues.append(_from_crash(error, process_id, filename))


def _from_validation(error: ValidationException, root: etree._Element, filename: str | None) -> LintIssue:
    element_id = getattr(error, "id", None) or None
    line = getattr(error, "line_number", None)
    if not isinstance(line, int) or not line:
        found = root.xpath("//*[@id=$id]", id=element_id) if element_id else []
        line = found[0].sourceline if found else None
    message = error.args[0] if error.args else str(error)
    tag = getattr(error, "tag", "")
    return LintIssue("spiff-validation", f"{message} ({tag})" if tag else str(message), element_id=element_id,
                     line=line, file=getattr(error, "file_name", None) or filename)


def _from_crash(error: Exception, process_id: str | None, filename: str | None) -> LintIssue:
    where = f"process {process_id!r}" if process_id else "the document"
    return LintIssue("spiff-rejected", f"SpiffWorkflow could not read {where}: {type(error).__name__}: {error}",
                     element_id=process_id, file=filename)
