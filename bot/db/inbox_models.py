"""The inbox: every update a channel accepted, stored before the platform is told "received".

One row per (channel, the platform's update id), unique: that key is how a re-delivery — to
this process or another — is recognised and dropped. `done_at` is set in the transaction of the
handler that handled the update; rows without it are handled again after a crash. `lease_until`
says until when the process that accepted it is expected to handle it (PostgreSQL: after that,
any process may). Done rows are pruned after a day (bot/inbox.py). Migration: 0009_inbox.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base


class InboxUpdate(Base):
    """One accepted update, as the platform sent it. The body may hold names and phone
    numbers: it is emptied in the transaction that handles the update (only the key stays, to
    catch re-deliveries, for a day)."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "update_id", name="uq_inbox_channel_update"),
        Index("ix_inbox_done_at", "done_at"),
    )

    # SQLite's rowid on SQLite; 64-bit on PostgreSQL (a busy bot passes 2^31 updates).
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    lease_until: Mapped[datetime]
    done_at: Mapped[datetime | None]
