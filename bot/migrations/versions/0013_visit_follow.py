"""booking follows the visit: the visitor's needs the point did not meet (told to the
officer), the calendar file's sequence, and a code for home-visit requests (issue 14)

Revision ID: 0013
Revises: 0012_merge
Create Date: 2026-12-07 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable or defaulted columns: a plain ADD COLUMN on SQLite and PostgreSQL alike.
    op.add_column("bookings", sa.Column("access_note", sa.String(length=200), nullable=True))
    op.add_column(
        "bookings",
        sa.Column("ics_sequence", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("home_visit_requests", sa.Column("code", sa.String(length=8), nullable=True))
    op.create_index("ix_home_visit_requests_code", "home_visit_requests", ["code"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_home_visit_requests_code", table_name="home_visit_requests")
    with op.batch_alter_table("home_visit_requests", schema=None) as batch_op:
        batch_op.drop_column("code")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("ics_sequence")
        batch_op.drop_column("access_note")
