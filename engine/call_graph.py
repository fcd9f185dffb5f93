"""Which processes a process calls, across the bundle being deployed and every deployed version.

A call activity names a process id; inside a bundle it runs the bundle's own process,
otherwise the deployed version it binds to (``latest`` when the case starts, or a pinned
version). A process that reaches itself through such calls (directly or through others)
never starts: its first case creates subprocesses until the worker is killed. So
:func:`cycle_issues` refuses, at deploy, any call activity of the bundle from which a
chain of calls comes back to where it started, following each deployed definition's
stored bindings to the exact versions they name (``latest`` meaning the bundle's version
where the bundle deploys that process). :func:`pinned_calls` is the run-time side: every
definition a new case can reach, pinned when it starts.

Code: call-cycle E.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree
from sqlalchemy import select

from .camunda import CAMUNDA_NS, bpmn_tag
from .errors import DefinitionNotFound, LintIssue
from .models import ProcessDefinition

YIWANG_NS = "urn:yiwang:bpmn:1.0"


@dataclass(frozen=True)
class Call:
    """One call activity of a bundle's process."""

    called: str
    binding: Any  # "latest" or a version number
    element: etree._Element
    filename: str


def binding_of(element: etree._Element) -> Any:
    """The version a call activity binds to: ``yw:calledVersion`` / ``camunda:calledElementVersion``, or latest."""
    raw = element.get(f"{{{YIWANG_NS}}}calledVersion") or element.get(f"{{{CAMUNDA_NS}}}calledElementVersion")
    return int(raw) if raw and raw.isdigit() else "latest"


def bundle_calls(roots: dict[str, etree._Element]) -> dict[str, list[Call]]:
    """process id -> the call activities anywhere inside it, for every executable process of the bundle."""
    calls: dict[str, list[Call]] = {}
    for filename, root in roots.items():
        for process in root.iterfind(bpmn_tag("process")):
            if process.get("isExecutable", "true") != "true" or not process.get("id"):
                continue
            calls[process.get("id")] = [
                Call(node.get("calledElement").strip(), binding_of(node), node, filename)
                for node in process.iter(bpmn_tag("callActivity")) if (node.get("calledElement") or "").strip()
            ]
    return calls


class _Graph:
    """Nodes are ("bundle", process id) or ("stored", definition id); edges follow calls."""

    def __init__(self, session, calls: dict[str, list[Call]]) -> None:
        self.session = session
        self.calls = calls
        self._stored: dict[int, list[tuple[str, Any]]] = {}
        self._resolved: dict[tuple[str, Any], int | None] = {}

    def target(self, called: str, binding: Any, *, local: bool) -> tuple[str, Any] | None:
        if called in self.calls and (local or binding == "latest"):
            return ("bundle", called)
        key = (called, binding)
        if key not in self._resolved:
            self._resolved[key] = _definition_id(self.session, called, binding)
        found = self._resolved[key]
        return ("stored", found) if found is not None else None

    def edges(self, node: tuple[str, Any]) -> Iterator[tuple[str, Any]]:
        kind, key = node
        if kind == "bundle":
            pairs, local = [(c.called, c.binding) for c in self.calls[key]], True
        else:
            if key not in self._stored:
                bindings = self.session.get(ProcessDefinition, key).call_bindings or {}
                self._stored[key] = list(bindings.items())
            pairs, local = self._stored[key], False
        for called, binding in pairs:
            target = self.target(called, binding, local=local)
            if target is not None:
                yield target

    def name(self, node: tuple[str, Any]) -> str:
        kind, key = node
        if kind == "bundle":
            return key
        definition = self.session.get(ProcessDefinition, key)
        return f"{definition.process_id} v{definition.version}"


def cycle_issues(session, roots: dict[str, etree._Element]) -> list[LintIssue]:
    """Call activities of the bundle from which calls lead back to their own process."""
    calls = bundle_calls(roots)
    graph = _Graph(session, calls)
    issues = []
    for process_id, process_calls in calls.items():
        origin = ("bundle", process_id)
        for call in process_calls:
            first = graph.target(call.called, call.binding, local=True)
            path = _path_back(graph, first, origin) if first is not None else None
            if path is None:
                continue
            chain = " → ".join(graph.name(n) for n in [origin, *path])
            issues.append(LintIssue(
                "call-cycle", f"calls {call.called!r}, and the calls lead back to this process ({chain}); "
                "a process may not call itself, directly or through other processes",
                element_id=call.element.get("id"), line=call.element.sourceline, file=call.filename))
    return issues


def _path_back(graph: _Graph, start: tuple[str, Any], origin: tuple[str, Any]) -> list | None:
    """A path of calls from ``start`` to ``origin`` (both included), or None."""
    parents: dict[tuple[str, Any], tuple[str, Any] | None] = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        if node == origin:
            path = []
            while node is not None:
                path.append(node)
                node = parents[node]
            return path[::-1]
        for target in graph.edges(node):
            if target not in parents:
                parents[target] = node
                queue.append(target)
    return None


def pinned_calls(session, definition: ProcessDefinition) -> dict[str, int]:
    """process id -> definition id for every process a new case of ``definition`` can call, however deep.

    The first binding met for a process id wins (breadth first: the definition's own
    bindings before those of the processes it calls), as a case holds one spec per id.

    Raises:
        DefinitionNotFound: a call activity binds to a process or version that is not deployed.
    """
    pinned: dict[str, int] = {}
    queue = [definition]
    while queue:
        current = queue.pop(0)
        for called, binding in (current.call_bindings or {}).items():
            if called in pinned:
                continue
            target_id = _definition_id(session, called, binding)
            if target_id is None:
                raise DefinitionNotFound("a call activity refers to a process that is not deployed",
                                         process_id=called, version=binding)
            pinned[called] = target_id
            queue.append(session.get(ProcessDefinition, target_id))
    return pinned


def _definition_id(session, process_id: str, binding: Any) -> int | None:
    query = select(ProcessDefinition.id).where(ProcessDefinition.process_id == process_id)
    if binding == "latest":
        query = query.order_by(ProcessDefinition.version.desc())
    else:
        query = query.where(ProcessDefinition.version == int(binding))
    return session.scalars(query.limit(1)).first()
