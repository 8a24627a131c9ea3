"""Outbox tables of the sweeper: people the messenger no longer lets the bot reach.

The outbox rows themselves are `outbox` (bot/db/booking_models.py). Migration: 0006.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base


class UserReach(Base):
    """A person the messenger reported unreachable (blocked the bot, deleted their account).

    Nothing more is sent to them until they write to the bot again (their
    `users.last_seen_at` moves past `unreachable_since`)."""

    __tablename__ = "user_reach"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    unreachable_since: Mapped[datetime]
    # A short, fixed word (e.g. "blocked"), never the messenger's text about the person.
    reason: Mapped[str] = mapped_column(String(32))
