"""who uploaded each material file, and the cases each file belongs to

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-06 12:30:00

Files of cases opened before this revision have no owner rows, so they are not handed out
until cited again (issue 16: a file's digest alone must not open it).
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = '0003'
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


def downgrade() -> None:
    op.drop_table('case_material')
    op.drop_table('material_upload')
