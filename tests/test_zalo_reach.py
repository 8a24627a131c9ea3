"""What the Zalo send policy reads besides the last message: consultation messages sent since,
and a booking's phone, consent and the values a ZNS template is filled with."""

from __future__ import annotations

from datetime import time, timedelta

from bot.channels.zalo.reach import facts
from bot.db.booking_models import Booking, OutboxMessage
from tests.booking_flow import HANOI, book_for_parent, point, rows_of, sample_places, use_places
from tests.chat import Chat


async def test_a_bookings_phone_consent_and_template_values(core):
    await use_places(core, sample_places(point("hk-1", "hoan-kiem", end=time(12))))
    chat = Chat(core, "6142494823", language="en")
    await book_for_parent(chat, time_label="09:00")
    [booking] = await rows_of(core, Booking)
    got = await facts(core.db, "6142494823", None, booking.id, HANOI)
    assert got.phone == "+84912345678" and got.consent
    assert got.template_data["code"] == booking.code
    assert got.template_data["time"] == "09:00"
    assert got.sent_since == 0
    assert (await facts(core.db, "6142494823", None, None, HANOI)).phone is None


async def test_only_sent_consultation_messages_since_the_last_message_count(core, clock):
    now = clock.now()
    async with core.db.transaction() as session:
        for i, (channel, status, ago) in enumerate(
            [
                ("zalo", "sent", 1),
                ("zalo", "sent", 3),
                ("zalo", "pending", 1),
                ("telegram", "sent", 1),
            ]
        ):
            session.add(
                OutboxMessage(
                    channel=channel,
                    chat_id="u1",
                    kind="broadcast",
                    text=f"m{i}",
                    due_at=now,
                    status=status,
                    created_at=now,
                    sent_at=now - timedelta(hours=ago) if status == "sent" else None,
                )
            )
    got = await facts(core.db, "u1", now - timedelta(hours=2), None, HANOI)
    assert got.sent_since == 1
    assert (await facts(core.db, "u1", None, None, HANOI)).sent_since == 2
