"""guides: reading progress, feedback, view/start/completion events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 02:10:00
"""

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guide_progress",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("guide_id", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "guide_id"),
    )
    op.create_table(
        "guide_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("guide_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_guide_feedback_guide", "guide_feedback", ["guide_id", "version"])
    op.create_index("ix_guide_feedback_user_id", "guide_feedback", ["user_id"])
    op.create_table(
        "guide_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("guide_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_guide_events_guide", "guide_events", ["guide_id", "version", "kind"])


def downgrade() -> None:
    op.drop_index("ix_guide_events_guide", table_name="guide_events")
    op.drop_table("guide_events")
    op.drop_index("ix_guide_feedback_user_id", table_name="guide_feedback")
    op.drop_index("ix_guide_feedback_guide", table_name="guide_feedback")
    op.drop_table("guide_feedback")
    op.drop_table("guide_progress")
