"""Helpers for broadcast and stats tests: a core with officers of two scopes and an admin,
citizens who subscribe, book or stop news, and an officer composing a broadcast.

    officer = telegram(core, CAU_GIAY)          # serves cau-giay and ba-dinh
    await compose(officer, "Thông báo…")        # "📣 Broadcast" → the text
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.booking import service
from bot.core import Core
from bot.db.booking_models import Booking, OutboxMessage
from bot.db.outbox_models import UserReach
from tests.booking_flow import MONDAY, slot_at, user_id_of
from tests.chat import Chat

ADMIN, HOAN_KIEM, CAU_GIAY = "900", "100", "200"
OFFICERS = {
    "officers__admins": [ADMIN],
    "officers__officers": [f"{HOAN_KIEM}:hoan-kiem", f"{CAU_GIAY}:cau-giay,ba-dinh"],
}


def telegram(core: Core, user_id: str) -> Chat:
    return Chat(core, user_id=user_id, channel="telegram", language="en")


async def subscribed(core: Core, user_id: str, *units: str) -> Chat:
    chat = telegram(core, user_id)
    for unit in units:
        await chat.tap(f"news:sub:{unit}")
    return chat


async def booked(
    core: Core,
    user_id: str,
    point_id: str,
    hh_mm: str = "08:30",
    day: date = MONDAY,
    name: str = "Trần Văn Hùng",
) -> Booking:
    """A confirmed booking made by `user_id` (who writes to the bot first)."""
    chat = telegram(core, user_id)
    await chat.say("/menu")
    uid = await user_id_of(core, chat)
    slot = await slot_at(core, point_id, day, hh_mm)
    async with core.db.transaction() as session:
        booking = await service.book(
            session,
            slot.id,
            service.Booker(uid, "telegram", user_id, "en"),
            service.Details(
                for_self=True, name=name, phone="+84912345678", help_topic="dvc", consent=True
            ),
            core.clock.now(),
        )
        assert booking is not None
        return booking


async def unreachable(core: Core, user_id: str) -> None:
    """As the sweeper records a person who blocked the bot."""
    uid = await user_id_of(core, telegram(core, user_id))
    async with core.db.transaction() as session:
        session.add(UserReach(user_id=uid, unreachable_since=core.clock.now(), reason="blocked"))


async def compose(chat: Chat, text: str) -> None:
    await chat.say("/officer")
    await chat.press("Broadcast")
    await chat.say(text)


async def outbox(core: Core, kind: str = "broadcast") -> list[OutboxMessage]:
    async with core.db.transaction() as session:
        return list(
            (
                await session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.kind == kind)
                    .order_by(OutboxMessage.id)
                )
            ).all()
        )
