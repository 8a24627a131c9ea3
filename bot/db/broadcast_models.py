"""Broadcast tables: which citizens want news from which ward or commune, who turned all news
off, and the broadcasts officers sent (audience, text, counts, where progress goes).
Migration: 0008_broadcasts.

A subscription and an opt-out hold ids only (the user, the unit, the chat to write to);
a broadcast holds the officer's text, which is the officer's public message to citizens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base

AUDIENCES = ("units", "point", "session", "everyone")


class NewsSubscription(Base):
    """A citizen who asked for the news of one unit (when booking, or in Settings)."""

    __tablename__ = "news_subscriptions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    # Where the user talks to the bot (for a private chat, the messenger's user id).
    chat_id: Mapped[str] = mapped_column(String(64))
    # The language they spoke when subscribing (their later choice in the bot wins).
    locale: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]


class NewsOptOut(Base):
    """ "No news at all" (/stop, "🔕 Stop news", Settings): no broadcast reaches this user,
    whatever they subscribed to or booked, until they turn news back on."""

    __tablename__ = "news_optouts"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    opted_out_at: Mapped[datetime]


class Broadcast(Base):
    """One message an officer sent to many citizens, queued as one outbox row per recipient
    (kind "broadcast", `data.broadcast_id`). Its rows are those with ids from
    `first_outbox_id` to `last_outbox_id` and dedupe keys "broadcast:<id>:…"."""

    __tablename__ = "broadcasts"
    __table_args__ = (
        CheckConstraint(
            "audience_kind IN ('units', 'point', 'session', 'everyone')",
            name="ck_broadcasts_audience_kind",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Who sent it: the officer row (gone if their rights are removed), and the audit actor.
    author_officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("officers.id", ondelete="SET NULL")
    )
    author: Mapped[str] = mapped_column(String(96))
    audience_kind: Mapped[str] = mapped_column(String(16))
    # units: [unit ids]; point: [point id]; session: [session id]; everyone: []
    audience_target: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="sending")  # sending | done
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    first_outbox_id: Mapped[int | None] = mapped_column(Integer)
    last_outbox_id: Mapped[int | None] = mapped_column(Integer)
    # Filled when the last row is settled (the final report).
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    unreachable: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)  # turned news off meanwhile
    finished_at: Mapped[datetime | None]
    # Where progress goes: the officer's chat, in their language. `progress_message_id` is
    # the message to edit once channels can edit a given message (see bot/broadcasts/).
    progress_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    progress_channel: Mapped[str] = mapped_column(String(16))
    progress_chat_id: Mapped[str] = mapped_column(String(64))
    progress_locale: Mapped[str] = mapped_column(String(8))
    progress_message_id: Mapped[str | None] = mapped_column(String(64))
    progress_at: Mapped[datetime | None]
    progress_sent: Mapped[int] = mapped_column(Integer, default=0)  # last "sent" reported
