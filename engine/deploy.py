"""Deploying BPMN (and DMN) files as versioned process definitions.

Every file is parsed by the hardened XML parser, Camunda-isms are normalised, the
lint report is built, and only a bundle with no errors is stored. The same process
id with new content becomes the next version; identical content returns the
version already stored, so a retried deployment is harmless.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from sqlalchemy import select
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity

from . import call_graph, camunda, dmn, lint, runtime
from .spiff_validation import spiff_validation_issues
from .staffing import candidate_group_issues
from .errors import DeployRejected, LintIssue
from .flow_ids import give_flow_ids
from .models import ProcessDefinition
from .parser import RuleTaskParser, YiwangParser
from .specs import dump_specs
from .task_kinds import is_timer
from .xml_safety import parse_xml

BPMN_MODEL_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass
class DeployedProcess:
    definition_id: int
    process_id: str
    version: int
    created: bool


@dataclass
class DeployResult:
    processes: list[DeployedProcess]
    warnings: list[LintIssue] = field(default_factory=list)


@dataclass
class _ParsedBundle:
    parser: YiwangParser
    roots: dict[str, Any]
    issues: list[LintIssue]


def check_bundle(uow, files: dict[str, bytes]) -> tuple[_ParsedBundle, list[LintIssue]]:
    """Parse and lint without storing anything: the report a designer sees."""
    env = uow.env
    parser, roots, issues = YiwangParser(), {}, []
    form_keys = env.forms.known_keys(uow.session) if env.forms is not None else None
    for filename, content in sorted(files.items()):
        try:
            root = parse_xml(content, filename, max_bytes=env.config.max_xml_bytes,
                             max_depth=env.config.max_xml_depth)
        except Exception as err:  # XmlRejected carries line/column
            issues.append(_issue_from_error(err, filename))
            continue
        if _is_bpmn(root):
            roots[filename] = root
            issues.extend(give_flow_ids(root, filename))
            issues.extend(_with_file(camunda.normalize(root), filename))
            issues.extend(lint.lint_tree(root, filename, form_keys=form_keys,
                                         scripts_enabled=env.config.scripts_enabled))
        elif dmn.is_dmn(root):
            roots[filename] = root
            issues.extend(_add_dmn(parser, root, filename))
        else:
            issues.append(_not_a_model(root, filename))
    issues.extend(_decision_ref_issues(roots))
    if roots and not _errors(issues) and not any(_is_bpmn(r) for r in roots.values()):
        issues.append(LintIssue("no-executable-process", "the upload holds no BPMN process: deploy a DMN file "
                                "together with the BPMN that calls it", file=next(iter(roots)), line=1))
    if not _errors(issues):
        for filename, root in roots.items():
            if _is_bpmn(root):
                issues.extend(spiff_validation_issues(root, filename, parser=parser))
    bundle = _ParsedBundle(parser, roots, issues)
    issues.extend(_call_activity_issues(uow, bundle))
    bpmn_roots = {n: r for n, r in roots.items() if _is_bpmn(r)}
    issues.extend(call_graph.cycle_issues(uow.session, bpmn_roots))
    issues.extend(candidate_group_issues(uow.session, bpmn_roots, env.groups))
    return bundle, issues


def _is_bpmn(root) -> bool:
    return isinstance(root.tag, str) and root.tag == f"{{{BPMN_MODEL_NS}}}definitions"


def _not_a_model(root, filename: str) -> LintIssue:
    """Well-formed XML that is neither BPMN nor DMN: say what it is and what was expected."""
    name = etree.QName(root)
    if name.localname == "definitions" and not name.namespace:
        message = (f"the root element <definitions> has no namespace; a BPMN file declares "
                   f'xmlns="{BPMN_MODEL_NS}"')
    else:
        where = f" in namespace {name.namespace}" if name.namespace else " (no namespace)"
        message = f"the root element is <{name.localname}>{where}: neither a BPMN 2.0 nor a DMN document"
    return LintIssue("not-bpmn", message, element_id=root.get("id"), line=root.sourceline, file=filename)


def _add_dmn(parser, root, filename: str) -> list[LintIssue]:
    issues = dmn.dmn_issues(root, filename)
    if _errors(issues):
        return issues
    try:
        parser.add_dmn_xml(dmn.for_spiff(root), filename)
    except ValidationException as err:
        issues.append(_spiff_issue(err, filename))
    return issues


def _decision_ref_issues(roots: dict[str, Any]) -> list[LintIssue]:
    """Business rule tasks must name a decision of a DMN file in the same bundle."""
    decisions = {d for root in roots.values() if dmn.is_dmn(root) for d in dmn.decision_ids(root)}
    issues = []
    for filename, root in roots.items():
        if not _is_bpmn(root):
            continue
        for process in root.iterfind(f"{{{BPMN_MODEL_NS}}}process"):
            if process.get("isExecutable", "true") != "true":
                continue
            for task in process.iter(f"{{{BPMN_MODEL_NS}}}businessRuleTask"):
                ref = RuleTaskParser.get_decision_ref(task)
                if ref in decisions:
                    continue
                message = ("names no decision (calledDecisionId or camunda:decisionRef)" if not ref else
                           f"calls decision {ref!r}, which no DMN file of this bundle holds; deploy the DMN "
                           "file together with the BPMN")
                issues.append(LintIssue("decision-unknown", message, element_id=task.get("id"),
                                        line=task.sourceline, file=filename))
    return issues


def deploy(uow, files: dict[str, bytes], *, deployed_by: str | None = None, note: str | None = None) -> DeployResult:
    """Deploy a bundle in its own transaction; raises :class:`DeployRejected` (storing nothing) if it has errors."""
    with uow:
        result = deploy_in(uow, files, deployed_by=deployed_by, note=note)
        uow.commit()
        return result


def deploy_in(uow, files: dict[str, bytes], *, deployed_by: str | None = None,
              note: str | None = None) -> DeployResult:
    """Deploy inside the caller's open unit of work, without committing it.

    For use cases that store more in the same transaction (a service item import
    publishes its forms first, in the same session, so the lint sees their keys).
    """
    bundle, issues = check_bundle(uow, files)
    errors = _errors(issues)
    if errors:
        raise DeployRejected(f"the BPMN cannot be deployed: {len(errors)} problem(s) found", issues=errors)
    process_ids = [pid for pid in bundle.parser.get_process_ids() if _is_top_level(bundle, pid)]
    if not process_ids:
        raise DeployRejected("the files hold no executable process", issues=[
            LintIssue("no-executable-process", "no process has isExecutable=\"true\"")
        ])
    sources = {name: content.decode("utf-8", "replace") if isinstance(content, bytes) else content
               for name, content in files.items()}
    digest = _digest(files)
    deployed = [_store(uow, bundle, pid, sources, digest, deployed_by, note, issues) for pid in process_ids]
    return DeployResult(deployed, [i for i in issues if i.severity != "error"])


def _store(uow, bundle, process_id, sources, digest, deployed_by, note, issues) -> DeployedProcess:
    session = uow.session
    same = session.scalars(
        select(ProcessDefinition).where(
            ProcessDefinition.process_id == process_id, ProcessDefinition.content_hash == digest
        )
    ).first()
    if same is not None:
        return DeployedProcess(same.id, process_id, same.version, created=False)
    latest = session.scalars(
        select(ProcessDefinition.version)
        .where(ProcessDefinition.process_id == process_id)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).first()
    parser = bundle.parser
    spec = parser.get_spec(process_id)
    subs = parser.get_subprocess_specs(process_id, require_call_activity_specs=False)
    definition = ProcessDefinition(
        process_id=process_id,
        version=(latest or 0) + 1,
        name=spec.description if spec.description != process_id else None,
        content_hash=digest,
        sources=sources,
        spec=dump_specs(uow.env.registry, spec, subs),
        call_bindings=_call_bindings(bundle, spec, subs),
        start_messages=_start_messages(spec),
        form_keys=sorted(_form_keys(spec, subs)),
        lint=[i.to_dict() for i in issues],
        note=note,
        deployed_by=deployed_by,
    )
    session.add(definition)
    session.flush()
    if _has_timer_start(spec):
        runtime.replace_timer_start_instance(uow, definition, _start_event_ids(spec))
    return DeployedProcess(definition.id, process_id, definition.version, created=True)


def _is_top_level(bundle, process_id) -> bool:
    """An executable bpmn:process (SpiffWorkflow also keeps parsers for embedded subprocesses)."""
    parser = bundle.parser.get_process_parser(process_id)
    return (
        parser is not None
        and parser.process_executable
        and etree.QName(parser.node).localname == "process"
    )


def _call_bindings(bundle, spec, subs) -> dict[str, Any]:
    """Call activities whose target is not in this bundle bind to deployed processes."""
    bindings = {}
    for task_spec in [*spec.task_specs.values(), *(t for s in subs.values() if s for t in s.task_specs.values())]:
        if isinstance(task_spec, CallActivity) and subs.get(task_spec.spec) is None:
            bindings[task_spec.spec] = _binding_of(bundle, task_spec.bpmn_id)
    return bindings


def _binding_of(bundle, element_id: str) -> Any:
    for root in bundle.roots.values():
        found = root.xpath("//*[@id=$id]", id=element_id)
        if found:
            return call_graph.binding_of(found[0])
    return "latest"


def _call_activity_issues(uow, bundle) -> list[LintIssue]:
    issues = []
    local = set(bundle.parser.process_parsers)
    for filename, root in bundle.roots.items():
        for node in root.iter(f"{{{BPMN_MODEL_NS}}}callActivity"):
            called = node.get("calledElement")
            if not called or called in local:
                continue
            exists = uow.session.scalar(
                select(ProcessDefinition.id).where(ProcessDefinition.process_id == called).limit(1)
            )
            if exists is None:
                issues.append(LintIssue(
                    "call-activity-unknown",
                    f"calls process '{called}', which is neither in this bundle nor deployed",
                    element_id=node.get("id"), line=node.sourceline, file=filename,
                ))
    return issues


def _start_messages(spec) -> list[str]:
    names = []
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, StartEvent) and isinstance(task_spec, CatchingEvent):
            definition = getattr(task_spec, "event_definition", None)
            if definition is not None and type(definition).__name__.endswith("MessageEventDefinition"):
                names.append(definition.name)
    return names


def _start_event_ids(spec) -> list[str]:
    return [t.bpmn_id for t in spec.task_specs.values() if isinstance(t, StartEvent)]


def _has_timer_start(spec) -> bool:
    return any(isinstance(t, StartEvent) and is_timer(t) for t in spec.task_specs.values())


def _form_keys(spec, subs) -> set[str]:
    keys = set()
    for s in [spec, *(x for x in subs.values() if x)]:
        for task_spec in s.task_specs.values():
            key = ((getattr(task_spec, "extensions", None) or {}).get("yiwang") or {}).get("formKey")
            if key:
                keys.add(key)
    return keys


def _digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        content = files[name]
        h.update(name.encode())
        h.update(b"\0")
        h.update(content if isinstance(content, bytes) else content.encode())
        h.update(b"\0")
    return h.hexdigest()


def _errors(issues: list[LintIssue]) -> list[LintIssue]:
    return [i for i in issues if i.severity == "error"]


def _with_file(issues: list[LintIssue], filename: str) -> list[LintIssue]:
    return [i if i.file else dataclasses.replace(i, file=filename) for i in issues]


def _issue_from_error(err: Exception, filename: str) -> LintIssue:
    context = getattr(err, "context", {})
    return LintIssue("xml-rejected", getattr(err, "message", str(err)), line=context.get("line"), file=filename)


def _spiff_issue(err: ValidationException, filename: str) -> LintIssue:
    return LintIssue("invalid-dmn", str(getattr(err, "error_msg", err)),
                     element_id=getattr(err, "id", None), line=getattr(err, "line_number", None) or None,
                     file=filename)
