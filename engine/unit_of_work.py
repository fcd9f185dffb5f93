"""Unit of work: one database transaction; rolls back unless committed.

Use cases receive it, do their reads and writes through ``uow.session`` and call
``uow.commit()`` once. Callbacks registered with :meth:`UnitOfWork.before_commit`
run inside the transaction just before it commits (the API writes its audit
record there, so the record and the change commit together or not at all).
Callbacks registered with :meth:`UnitOfWork.after_commit`
run only when the commit succeeded (dispatching jobs, caching the instance);
those registered with :meth:`UnitOfWork.after_rollback` only when it did not.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session


class UnitOfWork:
    def __init__(self, env) -> None:
        self.env = env
        self.session: Session | None = None
        self._committed = False
        self._depth = 0
        # Set by use cases that create an instance, so before_commit callbacks can name it.
        self.instance_id: str | None = None
        # Status of each instance this unit of work saved, so callers need not read it back.
        self.saved_status: dict[str, str] = {}
        # Names of the personal fields of each case loaded or saved here (engine/sealing.py):
        # history rows written in the same step seal them too.
        self.personal_fields: dict[str, frozenset[str]] = {}
        self._before_commit: list[Callable[["UnitOfWork"], None]] = []
        self._after_commit: list[Callable[[], None]] = []
        self._after_rollback: list[Callable[[], None]] = []

    def __enter__(self) -> "UnitOfWork":
        # Re-entrant: a use case called by a caller that already opened this unit of
        # work (to check access in the same transaction) joins it instead of starting
        # another; only the outermost exit ends the transaction.
        self._depth += 1
        if self._depth == 1:
            self.session = self.env.session_factory()
            self._committed = False
        return self

    def __exit__(self, *exc_info) -> None:
        self._depth -= 1
        if self._depth:
            return
        try:
            if not self._committed:
                self.session.rollback()
                for callback in self._after_rollback:
                    callback()
        finally:
            self.session.close()
        if self._committed:
            for callback in self._after_commit:
                callback()

    def commit(self) -> None:
        try:
            for callback in self._before_commit:
                callback(self)
            self.session.commit()
        except Exception:
            self.session.rollback()
            raise
        self._committed = True

    def before_commit(self, callback: Callable[["UnitOfWork"], None]) -> None:
        self._before_commit.append(callback)

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def after_rollback(self, callback: Callable[[], None]) -> None:
        self._after_rollback.append(callback)
