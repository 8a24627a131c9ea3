"""merge: the session-3 branches' migrations join the one head

Revision ID: 0014_merge
Revises: 0013 (visit follow-up), 0013_handoff_photo, 0013_webhook_inbox, 0013_home_visit_note
Create Date: 2026-12-07 12:10:00
"""

revision = "0014_merge"
down_revision = ("0013", "0013_handoff_photo", "0013_webhook_inbox", "0013_home_visit_note")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # a merge point: no schema change


def downgrade() -> None:
    pass
