"""Who will see each human task of a bundle: candidate groups that do not exist or have nobody in them.

A task offered only to such groups waits in no one's worklist. Deploying is not refused
(groups are often filled after the process is published), but the deployment says so, per
task, while there is still time to fix it. The engine does not keep accounts; the
installation plugs in a :class:`GroupService` (``api/group_directory.py``).

Codes: candidate-group-unknown W, candidate-group-empty W.
"""

from __future__ import annotations

from typing import Protocol

from lxml import etree

from .camunda import bpmn_tag, element_location
from .errors import LintIssue
from .lint import FLOW_NODES
from .task_attributes import expression_in, lane_index, read_task_extensions


class GroupService(Protocol):
    """What the engine needs to know of the organisation."""

    def members(self, session, names: set[str]) -> dict[str, int]:
        """Active members of each group of ``names`` that exists (absent: no such group)."""


def candidate_group_issues(session, roots: dict[str, etree._Element], service: GroupService | None
                           ) -> list[LintIssue]:
    """A warning for each task whose named candidate groups do not exist or have no active member."""
    if service is None:
        return []
    offered = []  # (element, filename, literal group names)
    for filename, root in roots.items():
        lanes = lane_index(root)
        for process in root.iterfind(bpmn_tag("process")):
            if process.get("isExecutable", "true") != "true":
                continue
            for node in process.iter(*(bpmn_tag(n) for n in FLOW_NODES)):
                groups = [g for g in read_task_extensions(node, lanes=lanes)["candidateGroups"]
                          if expression_in(g) is None]
                if groups:
                    offered.append((node, filename, groups))
    known = service.members(session, {g for _, _, groups in offered for g in groups}) if offered else {}
    issues = []
    for node, filename, groups in offered:
        element_id, line = element_location(node)
        for group in groups:
            if group not in known:
                issues.append(LintIssue("candidate-group-unknown", f"candidate group {group!r} does not exist: "
                                        "create it and give it members, or the task reaches no one",
                                        element_id=element_id, line=line, file=filename, severity="warning"))
            elif not known[group]:
                issues.append(LintIssue("candidate-group-empty", f"candidate group {group!r} has no active "
                                        "members: the task reaches no one until someone joins it",
                                        element_id=element_id, line=line, file=filename, severity="warning"))
    return issues
