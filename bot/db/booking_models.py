"""Booking tables: materialised sessions and their slots (with the seat counters that make
overbooking impossible), bookings, the waitlist, home-visit requests, unfinished booking
forms, and the outbox of messages to people who did not just write to the bot.

Personal data (a visitor's name, phone, address, help note, priority and needs) lives only
in `bookings`, `waitlist_entries`, `home_visit_requests` and `booking_drafts`; the privacy
module knows every column of it (bot/booking/privacy.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base


class BookingSession(Base):
    """One session of a support point on one day (e.g. Tuesday 08:00-11:00), cut into slots.

    Materialised from the points files for the coming weeks; officers may add, cancel or
    move sessions later (`source` says where a row came from)."""

    __tablename__ = "booking_sessions"
    __table_args__ = (
        UniqueConstraint("point_id", "starts_at", name="uq_booking_sessions_point_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    point_id: Mapped[str] = mapped_column(String(24))
    unit_id: Mapped[str] = mapped_column(String(64), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    slot_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | cancelled | moved
    # regular | one_off (from the points files) | officer (added in the bot)
    source: Mapped[str] = mapped_column(String(16), default="regular")
    created_at: Mapped[datetime]
    # Why officers cancelled it (status cancelled); moved sessions keep their row with status
    # "moved", so the daily materialise never recreates them (bot/schedule/). Migration 0007.
    note: Mapped[str | None] = mapped_column(String(300), default=None)


class Slot(Base):
    """A bookable time inside a session. `booked` counts every seat taken and
    `booked_priority` the seats taken by priority visitors; the held seats
    (`priority_seats` not yet taken by priority visitors) stay closed to others until
    `hold_until`. Seats are only ever taken by one conditional UPDATE (bot/booking/capacity.py)."""

    __tablename__ = "booking_slots"
    __table_args__ = (
        UniqueConstraint("point_id", "starts_at", name="uq_booking_slots_point_start"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_booking_slots_booked"),
        CheckConstraint(
            "booked_priority >= 0 AND booked_priority <= booked",
            name="ck_booking_slots_booked_priority",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("booking_sessions.id", ondelete="CASCADE"), index=True
    )
    point_id: Mapped[str] = mapped_column(String(24))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int] = mapped_column(Integer)
    priority_seats: Mapped[int] = mapped_column(Integer, default=0)
    hold_until: Mapped[datetime]
    booked: Mapped[int] = mapped_column(Integer, default=0)
    booked_priority: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | cancelled


class Booking(Base):
    """A confirmed (or since cancelled, attended, missed) visit to one slot.

    `user_id` is the booker, who may book for a relative (`for_self` false); the visitor's
    name and phone are cleared by the retention purge or on the booker's request."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_user_status", "user_id", "status"),
        Index("ix_bookings_slot_status", "slot_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("booking_slots.id"))
    point_id: Mapped[str] = mapped_column(String(24))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Where the booker talks to the bot: reminders and notices go there.
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    for_self: Mapped[bool] = mapped_column(Boolean)
    visitor_name: Mapped[str | None] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(16))  # E.164, +84…
    help_topic: Mapped[str] = mapped_column(String(16))  # vneid | dvc | ihanoi | basics | other
    help_note: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[list[str]] = mapped_column(JSON, default=list)  # aged60, disability, poor
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)  # wheelchair, hearing, sight
    # The seat was counted as a priority seat (so a cancellation gives it back as one).
    priority_seat: Mapped[bool] = mapped_column(Boolean, default=False)
    consent: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    purged_at: Mapped[datetime | None]
    # Officers moved its session (the booker was told) and when the booker answered "still
    # fine" (bot/schedule/). Migration 0007.
    schedule_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    schedule_ack_at: Mapped[datetime | None] = mapped_column(default=None)
    # The visitor's needs the point does not (or may not) meet, booked anyway: shown to the
    # officers in the daily list, e.g. "wheelchair: not step-free". Migration 0013.
    access_note: Mapped[str | None] = mapped_column(String(200), default=None)
    # The calendar file's SEQUENCE: raised on every change sent to the booker (a new time, a
    # move by officers, a cancellation), so a calendar app replaces its event. Migration 0013.
    ics_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class WaitlistEntry(Base):
    """Someone waiting for a seat in a full slot, in order of `id`. It carries what the
    booking needs, so a freed seat becomes a booking without asking again."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (Index("ix_waitlist_slot_status", "slot_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("booking_slots.id"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    priority_seat: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting | promoted | left
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class HomeVisitRequest(Base):
    """A priority visitor who cannot travel asks the unit's officers to come to them."""

    __tablename__ = "home_visit_requests"
    __table_args__ = (
        Index("ix_home_visits_unit_status", "unit_id", "status"),
        Index("ix_home_visit_requests_code", "code", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The code the citizen sees, like a booking's (migration 0013; None for older requests).
    code: Mapped[str | None] = mapped_column(String(8), default=None)
    unit_id: Mapped[str] = mapped_column(String(64))
    point_id: Mapped[str | None] = mapped_column(String(24))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    for_self: Mapped[bool] = mapped_column(Boolean)
    visitor_name: Mapped[str | None] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(300))
    preferred_days: Mapped[list[int]] = mapped_column(JSON, default=list)  # 0 = Monday; [] any
    help_topic: Mapped[str] = mapped_column(String(16))
    help_note: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[list[str]] = mapped_column(JSON, default=list)
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    consent: Mapped[bool] = mapped_column(Boolean)
    # new | assigned | done | cancelled (by the citizen)
    status: Mapped[str] = mapped_column(String(16), default="new")
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The officers' note (what was agreed, what to bring); migration 0013. Never sent.
    officer_note: Mapped[str | None] = mapped_column(String(300), default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class BookingDraft(Base):
    """A booking form the user has not finished: kept across /cancel so they can continue
    within the idle timeout. One per user."""

    __tablename__ = "booking_drafts"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class OutboxMessage(Base):
    """A message to someone who did not just write to the bot (waitlist promotion, reminder,
    schedule change, broadcast). Features INSERT pending rows; the sweeper claims due rows
    by (priority, due_at), sends them through the channel and marks them sent or failed.

    Content is either rendered (`text` + `buttons`, in the recipient's language) or a
    `template` name + `data` rendered at send time."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "priority", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipient_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # waitlist_promoted, reminder, broadcast, …
    text: Mapped[str | None] = mapped_column(Text)
    # Rows of buttons: [[{"label": "…", "payload": "…"}, …], …]
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    template: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Lower is sooner: notices about a person's own visit go before broadcasts.
    priority: Mapped[int] = mapped_column(Integer, default=50)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    # The booking a row is about, so cancelling or moving it can drop or move its messages.
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), index=True
    )
    # Set by writers that must never queue the same message twice (e.g. "reminder:123:day").
    dedupe_key: Mapped[str | None] = mapped_column(String(96), unique=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
