"""administrators' second factor (TOTP secret, recovery codes), earlier passwords, enrolment-only sessions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 14:00:00

Administrators (admin, security_admin, auditor) have no second factor at first: each sets one up
at their next sign-in. Password histories start empty: the first change after this revision is
checked against the current password only.
"""

from alembic import op
import sqlalchemy as sa

from engine.models import UtcDateTime


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("second_factor_secret", sa.Text(), nullable=True))
        batch.add_column(sa.Column("second_factor_enrolled_at", UtcDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("second_factor_last_step", sa.Integer(), nullable=True))
    with op.batch_alter_table("web_session") as batch:
        batch.add_column(sa.Column("stage", sa.String(length=20), nullable=True))
    op.create_table('password_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('replaced_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_password_history_user_id_app_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_history'))
    )
    op.create_index('ix_password_history_user', 'password_history', ['user_id', 'id'], unique=False)
    op.create_table('recovery_code',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_recovery_code_user_id_app_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'code_hash', name=op.f('pk_recovery_code'))
    )


def downgrade() -> None:
    op.drop_table('recovery_code')
    op.drop_index('ix_password_history_user', table_name='password_history')
    op.drop_table('password_history')
    with op.batch_alter_table("web_session") as batch:
        batch.drop_column("stage")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("second_factor_last_step")
        batch.drop_column("second_factor_enrolled_at")
        batch.drop_column("second_factor_secret")
