"""broadcasts: news subscriptions, news opt-outs, broadcasts

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-28 03:00:00
"""

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "news_subscriptions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("created_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "unit_id"),
    )
    op.create_index("ix_news_subscriptions_unit_id", "news_subscriptions", ["unit_id"])
    op.create_table(
        "news_optouts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("opted_out_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("author_officer_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=96), nullable=False),
        sa.Column("audience_kind", sa.String(length=16), nullable=False),
        sa.Column("audience_target", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("first_outbox_id", sa.Integer(), nullable=True),
        sa.Column("last_outbox_id", sa.Integer(), nullable=True),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("unreachable", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("finished_at", bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("progress_user_id", sa.Integer(), nullable=True),
        sa.Column("progress_channel", sa.String(length=16), nullable=False),
        sa.Column("progress_chat_id", sa.String(length=64), nullable=False),
        sa.Column("progress_locale", sa.String(length=8), nullable=False),
        sa.Column("progress_message_id", sa.String(length=64), nullable=True),
        sa.Column("progress_at", bot.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("progress_sent", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "audience_kind IN ('units', 'point', 'session', 'everyone')",
            name="ck_broadcasts_audience_kind",
        ),
        sa.ForeignKeyConstraint(["author_officer_id"], ["officers.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["progress_user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("broadcasts")
    op.drop_table("news_optouts")
    op.drop_index("ix_news_subscriptions_unit_id", table_name="news_subscriptions")
    op.drop_table("news_subscriptions")
