"""merge: the branches the features grew on (guides, booking, questions, officers, outbox,
schedule changes, broadcasts, people, channels) meet in one head, so `db upgrade` reports one
revision and the next migration has one parent

Revision ID: 0010_merge
Revises: 0002, 0004, 0006, 0007, 0009, 0009_channels
Create Date: 2026-12-07 09:50:00
"""

revision = "0010_merge"
down_revision = ("0002", "0004", "0006", "0007", "0009", "0009_channels")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # a merge point: no schema change


def downgrade() -> None:
    pass
