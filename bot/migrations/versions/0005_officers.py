"""officers: officers and admins, the units each officer serves, the audit log

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-28 02:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "officers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'officer')", name="ck_officers_role"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "external_id", name="uq_officers_channel_external"),
    )
    op.create_table(
        "officer_units",
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("officer_id", "unit_id"),
    )
    op.create_index(op.f("ix_officer_units_unit_id"), "officer_units", ["unit_id"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=96), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_unit_id"), "audit_log", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_unit_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_officer_units_unit_id"), table_name="officer_units")
    op.drop_table("officer_units")
    op.drop_table("officers")
