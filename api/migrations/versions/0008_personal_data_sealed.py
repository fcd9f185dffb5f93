"""personal identifiers sealed at rest: room for sealed values in drafts and licences, a blind index of
licence holders

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 14:00:00

Rows written before this revision hold identifiers in plaintext, and licences have no blind index
yet (a holder's earlier licences are not found until it is computed): run `yiwang data-keys reseal`
once after upgrading. It seals what is plaintext and computes the missing indexes, case by case, and
can run again at any time (after a key rotation it moves every value to the current key).
"""

from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("application_draft") as batch:
        batch.alter_column("id_number", type_=sa.String(length=128), existing_type=sa.String(length=32),
                           existing_nullable=False)
    with op.batch_alter_table("e_licence") as batch:
        batch.drop_index("ix_e_licence_holder")
        batch.alter_column("holder_id", type_=sa.String(length=128), existing_type=sa.String(length=18),
                           existing_nullable=False)
        batch.alter_column("holder_name", type_=sa.Text(), existing_type=sa.String(length=200),
                           existing_nullable=False)
        batch.add_column(sa.Column("holder_index", sa.String(length=64), nullable=True))
        batch.create_index("ix_e_licence_holder", ["holder_index", "licence_type"], unique=False)


def downgrade() -> None:
    # Sealed values do not fit the old columns: open them first (they are plaintext again only if
    # the rows were written without keys).
    with op.batch_alter_table("e_licence") as batch:
        batch.drop_index("ix_e_licence_holder")
        batch.drop_column("holder_index")
        batch.alter_column("holder_name", type_=sa.String(length=200), existing_type=sa.Text(),
                           existing_nullable=False)
        batch.alter_column("holder_id", type_=sa.String(length=18), existing_type=sa.String(length=128),
                           existing_nullable=False)
        batch.create_index("ix_e_licence_holder", ["holder_id", "licence_type"], unique=False)
    with op.batch_alter_table("application_draft") as batch:
        batch.alter_column("id_number", type_=sa.String(length=32), existing_type=sa.String(length=128),
                           existing_nullable=False)
