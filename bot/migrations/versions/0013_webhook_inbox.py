"""webhook inbox: the OA webhook's duplicate check moves to the durable inbox (0009_inbox), so
its own table goes

Revision ID: 0013_webhook_inbox
Revises: 0012_merge
Create Date: 2026-12-07 11:10:00
"""

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = "0013_webhook_inbox"
down_revision = "0012_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Keys only (no content): a re-delivery within the next hours may be taken once more,
    # which the inbox's own key then catches from here on.
    op.drop_index("ix_channel_updates_seen_received_at", table_name="channel_updates_seen")
    op.drop_table("channel_updates_seen")


def downgrade() -> None:
    op.create_table(
        "channel_updates_seen",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("update_id", sa.String(length=128), nullable=False),
        sa.Column("received_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "update_id"),
    )
    op.create_index("ix_channel_updates_seen_received_at", "channel_updates_seen", ["received_at"])
