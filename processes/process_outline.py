"""What a service item's BPMN says to the public and to the checks: its steps, flows and critical path.

:func:`outline_process` reads one executable process from a parsed (and
normalised) BPMN tree into an :class:`Outline`:

* ``steps`` - every task in a stable order (flow order, loops cut), with who
  handles it, its form, its time limit (``yw:timeLimit``, working days), whether
  the statutory clock stops during it (``yw:clock="stopped"``: the applicant
  corrects, experts assess, a public notice runs), whether it is a parallel
  multi-instance (会签) or lies on a parallel branch (并联), and its
  ``yw:notice`` marker;
* ``critical_days`` / ``critical_path`` - the longest start-to-end sum of step
  time limits: back edges (loops) are cut so a loop body counts once, a
  multi-instance step counts once, parallel branches count as their longest,
  clock-stopped steps count zero, an embedded subprocess counts its own
  ``yw:timeLimit`` or else its inner critical path.

The guide and the publishing checks both read the outline, so what the public
is told is what the engine runs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from lxml import etree

from engine.camunda import BPMN_NS, YIWANG_NS, local_name
from engine.task_attributes import lane_index, read_task_extensions

TASKS = frozenset({"task", "userTask", "manualTask", "serviceTask", "scriptTask", "businessRuleTask",
                   "sendTask", "receiveTask", "callActivity"})
HUMAN_TASKS = frozenset({"userTask", "manualTask"})
CONTAINERS = frozenset({"subProcess", "transaction", "adHocSubProcess"})
GATEWAYS = frozenset({"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
                      "complexGateway"})
EVENTS = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"})
NODE_KINDS = TASKS | CONTAINERS | GATEWAYS | EVENTS
NOTICES = {"correction": "补正告知书", "refusal": "不予受理/不予许可决定书"}
CLOCK_STOPPED = "stopped"


@dataclass(frozen=True)
class Node:
    """A flow node as the outline needs it."""

    id: str
    kind: str
    name: str
    line: int | None
    container: str
    notice: str | None = None
    clock: str | None = None
    outgoing: tuple[str, ...] = ()
    incoming: tuple[str, ...] = ()
    default_flow: str | None = None


@dataclass(frozen=True)
class Flow:
    id: str
    name: str
    source: str
    target: str
    condition: str | None
    line: int | None


@dataclass(frozen=True)
class Step:
    """A task of the process, as the guide lists it and the checks inspect it."""

    element_id: str
    name: str
    kind: str
    line: int | None
    container: str
    groups: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    assignee: str | None = None
    form_key: str | None = None
    time_limit_days: float | None = None
    clock_stopped: bool = False
    multi_instance: str | None = None  # "parallel" (会签 / 并联) or "sequential"
    notice: str | None = None
    parallel_group: str | None = None  # the parallel gateway whose branches hold this step
    in_event_subprocess: bool = False

    @property
    def counted_days(self) -> float:
        return 0.0 if self.clock_stopped else (self.time_limit_days or 0.0)

    @property
    def is_human(self) -> bool:
        return self.kind in HUMAN_TASKS

    @property
    def has_handler(self) -> bool:
        return bool(self.groups or self.users or self.assignee)


@dataclass(frozen=True)
class Outline:
    process_id: str
    name: str
    file: str | None
    line: int | None
    steps: tuple[Step, ...]
    nodes: dict[str, Node] = field(repr=False)
    flows: dict[str, Flow] = field(repr=False)
    start_forms: dict[str, str | None] = field(default_factory=dict)  # start event id -> form key
    critical_days: float = 0.0
    critical_path: tuple[str, ...] = ()

    def step(self, element_id: str) -> Step | None:
        return next((s for s in self.steps if s.element_id == element_id), None)

    def label(self, element_id: str) -> str:
        node = self.nodes.get(element_id)
        return f"{node.name}({element_id})" if node is not None and node.name else element_id


def executable_processes(root: etree._Element) -> list[etree._Element]:
    return [p for p in root.iterfind(f"{{{BPMN_NS}}}process") if p.get("isExecutable", "true") == "true"]


def outline_process(root: etree._Element, process: etree._Element, file: str | None = None) -> Outline:
    """The outline of one ``bpmn:process`` element of ``root``."""
    reader = _Reader(root)
    reader.read_container(process, in_event_subprocess=False)
    days, path = reader.critical(process.get("id"))
    starts = {
        n.id: read_task_extensions(reader.elements[n.id], lanes=reader.lanes)["formKey"]
        for n in reader.nodes.values() if n.kind == "startEvent" and n.container == process.get("id")
    }
    return Outline(
        process_id=process.get("id"), name=process.get("name") or process.get("id"), file=file,
        line=process.sourceline, steps=tuple(reader.ordered_steps(process.get("id"))), nodes=reader.nodes,
        flows=reader.flows, start_forms=starts, critical_days=days, critical_path=tuple(path),
    )


class _Reader:
    """Collects nodes, flows and steps of a process and its subprocesses, then orders them."""

    def __init__(self, root: etree._Element) -> None:
        self.lanes = lane_index(root)
        self.nodes: dict[str, Node] = {}
        self.flows: dict[str, Flow] = {}
        self.elements: dict[str, etree._Element] = {}
        self.steps: dict[str, Step] = {}
        self.members: dict[str, list[str]] = defaultdict(list)  # container id -> node ids, document order
        self.event_subprocesses: set[str] = set()
        self._dag: dict[str, dict[str, list[str]]] = {}

    # -- reading ------------------------------------------------------------
    def read_container(self, container: etree._Element, *, in_event_subprocess: bool) -> None:
        container_id = container.get("id")
        outgoing, incoming = defaultdict(list), defaultdict(list)
        for flow in container.iterfind(f"{{{BPMN_NS}}}sequenceFlow"):
            condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
            self.flows[flow.get("id")] = Flow(
                flow.get("id"), flow.get("name") or "", flow.get("sourceRef"), flow.get("targetRef"),
                (condition.text or "").strip() if condition is not None else None, flow.sourceline,
            )
            outgoing[flow.get("sourceRef")].append(flow.get("id"))
            incoming[flow.get("targetRef")].append(flow.get("id"))
        for element in container:
            kind = local_name(element)
            if kind not in NODE_KINDS or not element.get("id"):
                continue
            node_id = element.get("id")
            self.elements[node_id] = element
            self.nodes[node_id] = Node(
                node_id, kind, element.get("name") or "", element.sourceline, container_id,
                notice=element.get(f"{{{YIWANG_NS}}}notice"), clock=element.get(f"{{{YIWANG_NS}}}clock"),
                outgoing=tuple(outgoing[node_id]), incoming=tuple(incoming[node_id]),
                default_flow=element.get("default"),
            )
            self.members[container_id].append(node_id)
            if kind in TASKS or kind in CONTAINERS:
                self.steps[node_id] = self._step(element, kind, container_id, in_event_subprocess)
            if kind in CONTAINERS:
                triggered = element.get("triggeredByEvent") == "true"
                if triggered:
                    self.event_subprocesses.add(node_id)
                self.read_container(element, in_event_subprocess=in_event_subprocess or triggered)

    def _step(self, element, kind: str, container_id: str, in_event_subprocess: bool) -> Step:
        attrs = read_task_extensions(element, lanes=self.lanes)
        loop = element.find(f"{{{BPMN_NS}}}multiInstanceLoopCharacteristics")
        multi = None if loop is None else ("sequential" if loop.get("isSequential") == "true" else "parallel")
        return Step(
            element_id=element.get("id"), name=element.get("name") or element.get("id"), kind=kind,
            line=element.sourceline, container=container_id, groups=tuple(attrs["candidateGroups"]),
            users=tuple(attrs["candidateUsers"]), assignee=attrs["assignee"], form_key=attrs["formKey"],
            time_limit_days=attrs["timeLimitDays"], multi_instance=multi,
            clock_stopped=element.get(f"{{{YIWANG_NS}}}clock") == CLOCK_STOPPED,
            notice=element.get(f"{{{YIWANG_NS}}}notice"), in_event_subprocess=in_event_subprocess,
        )

    # -- the graph without loops ----------------------------------------------
    def dag(self, container_id: str) -> dict[str, list[str]]:
        """Successors of each node of the container, with every back edge (loop) removed."""
        if container_id in self._dag:
            return self._dag[container_id]
        members = [m for m in self.members[container_id] if m not in self.event_subprocesses]
        successors: dict[str, list[str]] = {m: [] for m in members}
        for member in members:
            node = self.nodes[member]
            successors[member] = [self.flows[f].target for f in node.outgoing if self.flows[f].target in successors]
            if node.kind == "boundaryEvent":
                attached = self.elements[member].get("attachedToRef")
                if attached in successors:
                    successors[attached].append(member)
        starts = [m for m in members if not self.nodes[m].incoming and self.nodes[m].kind != "boundaryEvent"]
        dag = {m: [] for m in members}
        state: dict[str, int] = {}  # 1 on the DFS stack, 2 done
        for start in [*starts, *members]:
            if start in state:
                continue
            stack = [(start, iter(successors[start]))]
            state[start] = 1
            while stack:
                node, children = stack[-1]
                child = next(children, None)
                if child is None:
                    state[node] = 2
                    stack.pop()
                elif state.get(child) == 1:
                    continue  # a back edge: the loop body is counted once
                else:
                    dag[node].append(child)
                    if child not in state:
                        state[child] = 1
                        stack.append((child, iter(successors[child])))
        self._dag[container_id] = dag
        return dag

    def topological(self, container_id: str) -> list[str]:
        dag = self.dag(container_id)
        indegree = {n: 0 for n in dag}
        for targets in dag.values():
            for t in targets:
                indegree[t] += 1
        position = {n: i for i, n in enumerate(dag)}
        ready = sorted((n for n, d in indegree.items() if d == 0), key=position.get)
        order = []
        while ready:
            node = ready.pop(0)
            order.append(node)
            for t in dag[node]:
                indegree[t] -= 1
                if indegree[t] == 0:
                    ready.append(t)
                    ready.sort(key=position.get)
        return order

    # -- critical path ----------------------------------------------------------
    def weight(self, node_id: str) -> tuple[float, list[str]]:
        step = self.steps.get(node_id)
        if step is None:
            return 0.0, [node_id]
        if self.nodes[node_id].kind in CONTAINERS and step.time_limit_days is None and not step.clock_stopped:
            days, inner = self.critical(node_id)
            return days, [node_id, *inner]
        return step.counted_days, [node_id]

    def critical(self, container_id: str) -> tuple[float, list[str]]:
        dag = self.dag(container_id)
        best: dict[str, tuple[float, list[str]]] = {}
        for node in reversed(self.topological(container_id)):
            days, path = self.weight(node)
            after = max((best[t] for t in dag[node]), key=lambda b: b[0], default=(0.0, []))
            best[node] = (days + after[0], path + after[1])
        starts = [n for n in dag if self.nodes[n].kind == "startEvent"] or list(dag)
        return max((best[s] for s in starts), key=lambda b: b[0], default=(0.0, []))

    # -- ordering and parallel branches ------------------------------------------
    def ordered_steps(self, container_id: str) -> list[Step]:
        groups = self.parallel_groups(container_id)
        ordered = []
        for node_id in self.topological(container_id):
            if node_id in self.steps:
                step = self.steps[node_id]
                if node_id in groups and step.parallel_group is None:
                    step = _with_group(step, groups[node_id])
                ordered.append(step)
            if self.nodes[node_id].kind in CONTAINERS:
                ordered.extend(self.ordered_steps(node_id))
        for node_id in self.members[container_id]:
            if node_id in self.event_subprocesses:
                ordered.append(self.steps[node_id])
                ordered.extend(self.ordered_steps(node_id))
        return ordered

    def parallel_groups(self, container_id: str) -> dict[str, str]:
        """Node -> the parallel split gateway whose branches it lies on (the innermost one)."""
        dag = self.dag(container_id)
        groups: dict[str, str] = {}
        for split in reversed(self.topological(container_id)):
            node = self.nodes[split]
            if node.kind != "parallelGateway" or len(dag[split]) < 2:
                continue
            stack, seen = list(dag[split]), set()
            while stack:
                current = stack.pop()
                if current in seen:
                    continue
                seen.add(current)
                here = self.nodes[current]
                if here.kind == "parallelGateway" and len(here.incoming) > 1:
                    continue  # the join closes the branches
                groups.setdefault(current, split)
                stack.extend(dag[current])
        return groups


def _with_group(step: Step, group: str) -> Step:
    return Step(**{**step.__dict__, "parallel_group": group})
