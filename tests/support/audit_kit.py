"""Tampering with the audit trail as the table's owner could, for the tests that must catch it."""

from __future__ import annotations


def tamper(db_engine, *statements: str) -> None:
    """Change audit records as the table's owner can: with the append-only triggers set aside meanwhile."""
    from sqlalchemy import text

    from api import audit_guard

    with db_engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_record DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER audit_record_no_update"))
            conn.execute(text("DROP TRIGGER audit_record_no_delete"))
        for statement in statements:
            conn.execute(text(statement))
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_record ENABLE TRIGGER USER"))
        else:
            for statement in audit_guard.statements("sqlite"):
                conn.execute(text(statement))
