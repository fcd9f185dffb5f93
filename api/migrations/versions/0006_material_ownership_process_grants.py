"""who uploaded each material file, the cases each file belongs to, and the processes an account's messages may reach

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 12:30:00

Files of cases opened before this revision have no owner rows, so they are not handed out
until cited again (issue 16: a file's digest alone must not open it). Accounts have no process
grants at first: an integrator's messages reach only cases it started or that reached its groups
until the security administrator grants it processes.
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('material_upload',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.String(length=150), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', 'uploaded_by', name=op.f('pk_material_upload'))
    )
    op.create_table('case_material',
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('attached_by', sa.String(length=150), nullable=True),
    sa.Column('attached_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('instance_id', 'sha256', name=op.f('pk_case_material'))
    )
    op.create_table('process_grant',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_process_grant_user_id_app_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'process_id', name=op.f('pk_process_grant'))
    )


def downgrade() -> None:
    op.drop_table('process_grant')
    op.drop_table('case_material')
    op.drop_table('material_upload')
