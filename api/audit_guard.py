"""The audit trail is append-only in the database itself, not only in the ORM.

SQLite and PostgreSQL triggers refuse every UPDATE and DELETE of ``audit_record``
whoever sends it: the application's role, the table's owner,
a console. They are installed with the table (``create_all``) and by revision 0005.
On PostgreSQL the application should also connect as a role of its own that is not a
superuser and not the owner (:func:`grant_app_role`, ``yiwang db grant-app-role``): it
may only read and insert audit records, so it can neither change them nor drop the
triggers. (The owner can still drop a trigger; that is why the chain is keyed and
anchored outside the database, see :mod:`api.audit_anchor`.)
"""

from __future__ import annotations

import re

from sqlalchemy import DDL, Table, event, text

REFUSAL = "audit records are append-only"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_record_no_{verb.lower()} BEFORE {verb} ON audit_record
BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"""
    for verb in ("UPDATE", "DELETE")
]

POSTGRES_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION audit_record_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege'; END $$""",
    "DROP TRIGGER IF EXISTS audit_record_append_only ON audit_record",
    """CREATE TRIGGER audit_record_append_only BEFORE UPDATE OR DELETE ON audit_record
FOR EACH ROW EXECUTE FUNCTION audit_record_refuse()""",
]


def statements(dialect: str) -> list[str]:
    """The trigger DDL for this database (what the revision and ``create_all`` run)."""
    return {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, [])


def _install(target, connection, **_kw) -> None:
    for statement in statements(connection.dialect.name):
        connection.execute(DDL(statement))


def install_on(table: Table) -> None:
    """Have ``create_all`` install the triggers with the table (called once by :mod:`api.models`)."""
    event.listen(table, "after_create", _install)

_ROLE = re.compile(r"\A[a-z_][a-z0-9_]{0,62}\Z")


def grant_app_role(connection, role: str, password: str | None = None) -> None:
    """Create (if needed) the application's PostgreSQL role and give it what it needs, audit excepted.

    The role is neither superuser nor owner: it reads and writes every table of the
    schema, but may only SELECT and INSERT audit records (and update the chain's head).
    """
    if connection.dialect.name != "postgresql":
        raise ValueError("application roles are a PostgreSQL matter; SQLite has no roles")
    if not _ROLE.match(role):
        raise ValueError(f"{role!r} is not a plain role name (lower-case letters, digits, _)")
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    if exists is None:
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT'))
    if password is not None:
        quoted = connection.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar_one()
        connection.execute(text(f'ALTER ROLE "{role}" PASSWORD {quoted}'))
    schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    connection.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
    connection.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"'))
    connection.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"'))
    connection.execute(text(f'REVOKE UPDATE, DELETE, TRUNCATE ON audit_record FROM "{role}"'))
