"""The organisation as the engine asks about it: which groups exist and how many active members each has."""

from __future__ import annotations

from sqlalchemy import func, select

from .models import Group, Membership, User


class GroupDirectory:
    """:class:`engine.staffing.GroupService` over the accounts tables."""

    def members(self, session, names: set[str]) -> dict[str, int]:
        if not names:
            return {}
        counts = dict.fromkeys(session.scalars(select(Group.name).where(Group.name.in_(sorted(names)))), 0)
        rows = session.execute(
            select(Group.name, func.count(User.id))
            .join(Membership, Membership.group_id == Group.id)
            .join(User, (User.id == Membership.user_id) & User.active.is_(True))
            .where(Group.name.in_(sorted(names)))
            .group_by(Group.name)
        ).all()
        counts.update({name: count for name, count in rows})
        return counts
