"""outbox and reminders: unreachable people, reminder settings, "I'll come" confirmations

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-28 03:00:00
"""

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_reach",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unreachable_since", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "reminder_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("quiet_hours", sa.String(length=16), nullable=True),
        sa.Column("updated_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "visit_confirmations",
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("booking_id"),
    )


def downgrade() -> None:
    op.drop_table("visit_confirmations")
    op.drop_table("reminder_settings")
    op.drop_table("user_reach")
