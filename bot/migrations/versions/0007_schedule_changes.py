"""schedule changes: why a session was cancelled; a booking's moved session and its answer

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-28 03:10:00
"""

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = "0007"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns: a plain ADD COLUMN on SQLite and PostgreSQL alike.
    op.add_column("booking_sessions", sa.Column("note", sa.String(length=300), nullable=True))
    op.add_column(
        "bookings",
        sa.Column("schedule_changed_at", bot.db.models.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "bookings",
        sa.Column("schedule_ack_at", bot.db.models.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("schedule_ack_at")
        batch_op.drop_column("schedule_changed_at")
    with op.batch_alter_table("booking_sessions", schema=None) as batch_op:
        batch_op.drop_column("note")
