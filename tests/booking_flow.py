"""Helpers for booking tests (chat and Telegram alike): support points built in the test, not
read from content files, and the booking dialog walked through by button labels.

    places = sample_places()                     # two units, three points, known seats
    await use_places(core, places)               # install them and open their slots
    await book_for_parent(chat)                  # the whole relative-books-for-parent flow
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.booking import jobs
from bot.core import Core
from bot.db.booking_models import Slot
from bot.db.models import User
from bot.points.model import Access, OneOffSession, Places, Point, RegularSession, Unit
from tests.chat import Chat

# The test clock starts on Saturday 28 November 2026, 09:00 in Hanoi.
MONDAY = date(2026, 11, 30)


STEP_FREE = Access(step_free=True)


def point(
    id: str,
    unit: str,
    *,
    seats: int = 10,
    priority: int = 2,
    weekdays: tuple[int, ...] = (0, 2),
    end: time = time(10),
    one_off: tuple[OneOffSession, ...] = (),
    access: Access = STEP_FREE,
    lat: float = 21.03,
    lon: float = 105.85,
) -> Point:
    """A point open from 08:00 to `end` on `weekdays` in slots of 30 minutes; step-free
    unless told otherwise."""
    return Point(
        id=id,
        unit=unit,
        name=f"Điểm hỗ trợ {id}",
        address=f"Số 1 phố {id}, Hà Nội",
        lat=lat,
        lon=lon,
        accessibility="Lối vào không có bậc" if access.step_free else "Phòng ở tầng 2",
        regular=(
            RegularSession(
                weekdays=weekdays,
                start=time(8),
                end=end,
                slot_minutes=30,
                seats_per_slot=seats,
                priority_seats=priority,
            ),
        ),
        one_off=one_off,
        closed=(),
        sample=True,
        access=access,
    )


def sample_places(*points: Point) -> Places:
    units = {
        "hoan-kiem": Unit("hoan-kiem", "phuong", "Hoàn Kiếm", 21.0287, 105.8524),
        "cau-giay": Unit("cau-giay", "phuong", "Cầu Giấy", 21.03, 105.79),
        "ba-dinh": Unit("ba-dinh", "phuong", "Ba Đình", 21.0368, 105.8347),
    }
    points = points or (
        point("hk-1", "hoan-kiem"),
        point("cg-1", "cau-giay"),
        point("cg-2", "cau-giay"),
    )
    by_unit: dict[str, tuple[Point, ...]] = {}
    for p in points:
        by_unit[p.unit] = (*by_unit.get(p.unit, ()), p)
    return Places(units=units, points={p.id: p for p in points}, by_unit=by_unit)


async def use_places(core: Core, places: Places | None = None) -> Places:
    """Serve `places` (default: `sample_places()`) and open their slots for booking."""
    places = places or sample_places()
    core.services["places"] = places
    await jobs.materialise_sessions(core)
    return places


async def book_for_parent(
    chat: Chat,
    *,
    ward: str = "hoan kiem",
    day: str = "Monday",
    time_label: str = "08:30",
    name: str = "Nguyễn Thị Lan",
    phone: str = "0912 345 678",
    confirm: bool = True,
) -> None:
    """Walk the dialog as a son booking for his mother (aged 60+, needs a wheelchair)."""
    await chat.say("/menu")
    await chat.press("Book a visit")
    await chat.press("For a relative")
    await chat.say(ward)
    await chat.press("Wheelchair")
    await chat.press("Done")
    await chat.press(day)
    await chat.press(time_label)
    await chat.say(name)
    await chat.say(phone)
    await chat.press("VNeID")
    await chat.press("Aged 60")
    await chat.press("Done")
    await chat.press("I have their permission")
    if confirm:
        await chat.press("Confirm")


HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


async def slot_at(core: Core, point_id: str, day: date, hh_mm: str) -> Slot:
    """The materialised slot of `point_id` starting at `hh_mm` Hanoi time on `day`."""
    hour, minute = (int(x) for x in hh_mm.split(":"))
    starts = datetime.combine(day, time(hour, minute), tzinfo=HANOI).astimezone(UTC)
    async with core.db.transaction() as session:
        return (
            await session.scalars(
                select(Slot).where(Slot.point_id == point_id, Slot.starts_at == starts)
            )
        ).one()


async def rows_of(core: Core, model, *where) -> list:
    async with core.db.transaction() as session:
        return list((await session.scalars(select(model).where(*where))).all())


async def user_id_of(core: Core, chat: Chat) -> int:
    async with core.db.transaction() as session:
        return await session.scalar(
            select(User.id).where(User.channel == chat.channel, User.external_id == chat.user_id)
        )


async def wait_in_line(chat: Chat, time_label: str, *, name: str = "Đỗ Thị Mai") -> None:
    """Join the waitlist of the (full) slot at `time_label` on the first day offered, for a
    relative, by payloads (so it works whatever the chat's language)."""
    await chat.say("/menu")
    await chat.tap("book")
    await chat.tap("bk:rel")
    await chat.say("hoan kiem")
    await chat.tap("bk:none")  # needs
    await chat.tap(next(p for p in chat.replies[0].payloads() if p.startswith("bk:d:")))
    await chat.tap(next(b.payload for b in chat.buttons if b.label.startswith(time_label)))
    await chat.say(name)
    await chat.say("0912000111")
    await chat.tap("bk:h:dvc")
    await chat.tap("bk:none")  # priority
    await chat.tap("bk:agree")
    await chat.tap("bk:confirm")
