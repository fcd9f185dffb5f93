"""Who is acting: the engine checks task access against this, nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """A user (or the system) with the groups (departments, windows, roles) they belong to."""

    user: str | None
    groups: frozenset[str] = field(default_factory=frozenset)
    # The system and operators acting through the CLI may work any task.
    unrestricted: bool = False

    @classmethod
    def system(cls, name: str = "system") -> "Actor":
        return cls(user=name, unrestricted=True)

    @classmethod
    def of(cls, user: str, *groups: str) -> "Actor":
        return cls(user=user, groups=frozenset(groups))

    def may_work(self, assignee: str | None, groups: list[str], users: list[str]) -> bool:
        """Assignee first; otherwise a candidate user or a member of a candidate group."""
        if self.unrestricted:
            return True
        if assignee:
            return assignee == self.user
        if not groups and not users:
            return True  # unassigned work: anyone allowed to see the instance
        return self.user in users or bool(self.groups.intersection(groups))
