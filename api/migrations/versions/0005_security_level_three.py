"""security fit for MLPS level 3 (等保三级): forced password change after a reset, login throttling,
query codes of cases (查询码), the audit trail append-only in the database and keyed

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 10:00:00
"""

from alembic import op
import sqlalchemy as sa

import engine.models


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.add_column(sa.Column("last_login_source", sa.String(length=64), nullable=True))
    op.create_table(
        "login_throttle",
        sa.Column("username", sa.String(length=150), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", engine.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", engine.models.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", "source", name=op.f("pk_login_throttle")),
    )
    op.create_index("ix_login_throttle_last", "login_throttle", ["last_failed_at"], unique=False)
    _add_query_codes()
    _audit_append_only()


def _audit_append_only() -> None:
    """Keyed records from now on, a chain id for checkpoints, and triggers refusing UPDATE and DELETE."""
    import uuid

    from api import audit_guard

    with op.batch_alter_table("audit_record") as batch:
        batch.add_column(sa.Column("keyed", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("chain_id", sa.String(length=32), nullable=True))
    op.execute(sa.text("UPDATE audit_head SET chain_id = :chain").bindparams(chain=uuid.uuid4().hex))
    for statement in audit_guard.statements(op.get_bind().dialect.name):
        op.execute(statement)
    # The records written so far are not keyed: a signed checkpoint of them, outside the database,
    # is what lets `yiwang audit verify` accept them (api/audit.py).
    from sqlalchemy.orm import Session

    from api import audit_anchor

    audit_anchor.write_checkpoint(Session(bind=op.get_bind()))


def _add_query_codes() -> None:
    """Every case opened before gets its own query code (its applicant asks the window for it)."""
    from processes.receipts import new_query_code

    with op.batch_alter_table("service_case") as batch:
        batch.add_column(sa.Column("query_code", sa.String(length=16), nullable=True))
    cases = sa.table("service_case", sa.column("instance_id", sa.String), sa.column("query_code", sa.String))
    bind = op.get_bind()
    for (case_id,) in bind.execute(sa.select(cases.c.instance_id)).all():
        bind.execute(cases.update().where(cases.c.instance_id == case_id).values(query_code=new_query_code()))
    with op.batch_alter_table("service_case") as batch:
        batch.alter_column("query_code", existing_type=sa.String(length=16), nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_record_append_only ON audit_record")
        op.execute("DROP FUNCTION IF EXISTS audit_record_refuse()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_record_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_record_no_delete")
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("chain_id")
    with op.batch_alter_table("audit_record") as batch:
        batch.drop_column("keyed")
    with op.batch_alter_table("service_case") as batch:
        batch.drop_column("query_code")
    op.drop_index("ix_login_throttle_last", table_name="login_throttle")
    op.drop_table("login_throttle")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("last_login_source")
        batch.drop_column("must_change_password")
