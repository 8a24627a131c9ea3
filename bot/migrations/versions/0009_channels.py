"""channels: credentials (OAuth tokens), webhook updates already taken, errors for operators

Revision ID: 0009_channels
Revises: 0001
Create Date: 2026-12-07 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = "0009_channels"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_credentials",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("access_expires_at", bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refresh_expires_at", bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("pending_verifier", sa.String(length=128), nullable=True),
        sa.Column("pending_state", sa.String(length=64), nullable=True),
        sa.Column("pending_since", bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refresh_refused_at", bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("channel", "account"),
    )
    op.create_table(
        "channel_updates_seen",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("update_id", sa.String(length=128), nullable=False),
        sa.Column("received_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "update_id"),
    )
    op.create_index("ix_channel_updates_seen_received_at", "channel_updates_seen", ["received_at"])
    op.create_table(
        "channel_errors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_channel_errors_channel", "channel_errors", ["channel"])


def downgrade() -> None:
    op.drop_index("ix_channel_errors_channel", table_name="channel_errors")
    op.drop_table("channel_errors")
    op.drop_index("ix_channel_updates_seen_received_at", table_name="channel_updates_seen")
    op.drop_table("channel_updates_seen")
    op.drop_table("channel_credentials")
