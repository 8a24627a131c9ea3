"""handoff: citizens' questions to the officers of a commune or ward, their messages, guide
suggestions, and when each officer account may next be told of new questions

Revision ID: 0010_handoff
Revises: 0009
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = "0010_handoff"
down_revision = "0009"
branch_labels = None
depends_on = None

UTC = bot.db.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "handoff_questions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("taken_by", sa.Integer(), nullable=True),
        sa.Column("taken_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("first_answer_at", UTC, nullable=True),
        sa.Column("last_message_at", UTC, nullable=False),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("closed_by", sa.String(length=16), nullable=True),
        sa.Column("escalation", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("suggested", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["taken_by"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handoff_questions_user_id", "handoff_questions", ["user_id"])
    op.create_index("ix_handoff_questions_closed_at", "handoff_questions", ["closed_at"])
    op.create_index("ix_handoff_questions_unit_status", "handoff_questions", ["unit_id", "status"])
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["handoff_questions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handoff_messages_question_id", "handoff_messages", ["question_id"])
    op.create_table(
        "handoff_suggestions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handoff_suggestions_created_at", "handoff_suggestions", ["created_at"])
    op.create_table(
        "handoff_notices",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("next_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("handoff_notices")
    op.drop_index("ix_handoff_suggestions_created_at", table_name="handoff_suggestions")
    op.drop_table("handoff_suggestions")
    op.drop_index("ix_handoff_messages_question_id", table_name="handoff_messages")
    op.drop_table("handoff_messages")
    op.drop_index("ix_handoff_questions_unit_status", table_name="handoff_questions")
    op.drop_index("ix_handoff_questions_closed_at", table_name="handoff_questions")
    op.drop_index("ix_handoff_questions_user_id", table_name="handoff_questions")
    op.drop_table("handoff_questions")
