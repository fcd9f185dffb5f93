"""security fit for MLPS level 3 (等保三级): forced password change after a reset, login throttling,
query codes of cases (查询码)

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-06 10:00:00
"""

from alembic import op
import sqlalchemy as sa

import engine.models


revision = "0005"
down_revision = "0003"
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
    with op.batch_alter_table("service_case") as batch:
        batch.drop_column("query_code")
    op.drop_index("ix_login_throttle_last", table_name="login_throttle")
    op.drop_table("login_throttle")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("last_login_source")
        batch.drop_column("must_change_password")
