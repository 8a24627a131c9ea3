"""merge: the branches the features grew on (guides, questions, outbox, schedule changes,
channels, inbox, handoff) meet in one head, so `db upgrade` reports one revision and the next
migration has one parent

Revision ID: 0011_merge
Revises: 0002, 0004, 0006, 0007, 0009_channels, 0009_inbox, 0010_handoff
Create Date: 2026-12-07 09:55:00
"""

revision = "0011_merge"
down_revision = ("0002", "0004", "0006", "0007", "0009_channels", "0009_inbox", "0010_handoff")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # a merge point: no schema change


def downgrade() -> None:
    pass
