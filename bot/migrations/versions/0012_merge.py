"""merge: the officer web pages' tables (0009_web) join the one head

Revision ID: 0012_merge
Revises: 0009_web, 0011_merge
Create Date: 2026-12-07 10:25:00
"""

revision = "0012_merge"
down_revision = ("0009_web", "0011_merge")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # a merge point: no schema change


def downgrade() -> None:
    pass
