"""the working-day calendar as data: yearly holiday notices and local days; step limits kept

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 14:00:00

``calendar_override`` (local single days) becomes the local scope of ``calendar_day``;
``calendar_year`` records which years' State Council notices are loaded;
``work_task.time_limit_days`` keeps a step's limit so a calendar change can move its deadline.
"""

from alembic import op
import sqlalchemy as sa
import engine.models


revision = "0004"
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('notice', sa.Text(), nullable=True),
    sa.Column('set_by', sa.String(length=150), nullable=False),
    sa.Column('set_at', engine.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', 'scope', name=op.f('pk_calendar_day'))
    )
    op.create_table('calendar_year',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('notice', sa.Text(), nullable=False),
    sa.Column('loaded_by', sa.String(length=150), nullable=False),
    sa.Column('loaded_at', engine.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_year'))
    )
    op.execute("INSERT INTO calendar_day (day, scope, kind, name, notice, set_by, set_at) "
               "SELECT day, 'local', CASE WHEN working THEN 'local_workday' ELSE 'closure' END, note, NULL, "
               "set_by, set_at FROM calendar_override")
    op.drop_table('calendar_override')
    op.add_column('work_task', sa.Column('time_limit_days', sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column('work_task', 'time_limit_days')
    op.create_table('calendar_override',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('working', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('set_by', sa.String(length=150), nullable=False),
    sa.Column('set_at', engine.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_override'))
    )
    op.execute("INSERT INTO calendar_override (day, working, note, set_by, set_at) "
               "SELECT day, kind = 'local_workday', name, set_by, set_at FROM calendar_day WHERE scope = 'local'")
    op.drop_table('calendar_year')
    op.drop_table('calendar_day')
