"""Reminder tables: each user's reminder settings and the visits people said they will come to.
Migration: 0006.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base


class ReminderSetting(Base):
    """A user's own choice; without a row, reminders are on with the configured quiet hours."""

    __tablename__ = "reminder_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # None: the configured quiet hours; "off": none; "HH:MM-HH:MM": the user's own.
    quiet_hours: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime]


class VisitConfirmation(Base):
    """The booker pressed "I'll come" under a reminder of this booking."""

    __tablename__ = "visit_confirmations"

    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True
    )
    confirmed_at: Mapped[datetime]
