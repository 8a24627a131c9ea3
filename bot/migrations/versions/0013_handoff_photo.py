"""handoff: a message may carry a photo the citizen sent (the channel's file id, not the bytes)

Revision ID: 0013_handoff_photo
Revises: 0012_merge
Create Date: 2026-12-07 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_handoff_photo"
down_revision = "0012_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoff_messages") as batch:
        batch.add_column(sa.Column("photo_id", sa.String(256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoff_messages") as batch:
        batch.drop_column("photo_id")
