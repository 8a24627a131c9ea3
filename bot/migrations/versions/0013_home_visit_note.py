"""home visits: the officer's note on a request

Revision ID: 0013_home_visit_note
Revises: 0012_merge
Create Date: 2026-12-07 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_home_visit_note"
down_revision = "0012_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column: a plain ADD COLUMN on SQLite and PostgreSQL alike.
    op.add_column(
        "home_visit_requests", sa.Column("officer_note", sa.String(length=300), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("home_visit_requests", schema=None) as batch_op:
        batch_op.drop_column("officer_note")
