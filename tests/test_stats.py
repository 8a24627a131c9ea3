"""Numbers for officers: bookings, attendance and no-shows per point and ISO week (scoped to
the officer's units in the bot), the most read guides with "Did this help?" per version and
the unanswered questions (city-wide), and the same as CSV from `trolyso report`."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot import app, cli
from bot.core import Core
from bot.db.booking_models import Booking, BookingSession, Slot
from bot.db.broadcast_models import Broadcast
from bot.db.guides_models import GuideEvent, GuideFeedback
from bot.db.search_models import UnansweredQuestion
from bot.reports import open_database
from bot.stats.bookings import attendance_rows, booking_rows, by_point_week
from tests.booking_flow import MONDAY, use_places
from tests.broadcast_flow import ADMIN, HOAN_KIEM, OFFICERS, booked, telegram

# Storage-backed behaviour (joins and grouping): also run on PostgreSQL.
pytestmark = pytest.mark.both_databases

ROOT = Path(__file__).resolve().parent.parent
WEDNESDAY = MONDAY + timedelta(days=2)
HK_WEEK = "Week 49 (from 30/11): 4 booked · 2 came · 1 did not come · 1 cancelled · 1 not marked"


@pytest.fixture
async def core(config, clock):
    core = await app.start(config.replace(**OFFICERS), clock=clock)
    await use_places(core)
    try:
        yield core
    finally:
        await core.close()


async def seed_visits(core: Core, clock) -> None:
    """Week 49 at hk-1: 2 came, 1 did not, 1 cancelled, 1 not marked; one visit at cg-1;
    one more at hk-1 the week after. Then the clock moves to Friday of week 49."""
    marks = [
        ("hk-1", MONDAY, "08:00", "attended"),
        ("hk-1", MONDAY, "08:30", "missed"),
        ("hk-1", MONDAY, "09:00", "cancelled"),
        ("hk-1", MONDAY, "09:30", "confirmed"),
        ("hk-1", WEDNESDAY, "08:00", "attended"),
        ("cg-1", MONDAY, "08:00", "attended"),
        ("hk-1", MONDAY + timedelta(days=7), "08:00", "confirmed"),
    ]
    for n, (point_id, day, hh_mm, status) in enumerate(marks):
        booking = await booked(core, f"v{n}", point_id, hh_mm, day)
        async with core.db.transaction() as session:
            await session.execute(
                update(Booking).where(Booking.id == booking.id).values(status=status)
            )
    clock.set(datetime(2026, 12, 4, 2, 0, tzinfo=UTC))


async def test_bookings_attendance_and_no_shows_are_counted_per_point_and_week(core, clock):
    await seed_visits(core, clock)
    async with core.db.transaction() as session:
        weeks = await by_point_week(session, core.config.tz, clock.now())
        hk_only = await by_point_week(session, core.config.tz, clock.now(), unit_ids=["hoan-kiem"])
    assert booking_rows(weeks) == [
        ("cau-giay", "cg-1", "2026-W49", "2026-11-30", 1, 0, 1, 0, 0),
        ("hoan-kiem", "hk-1", "2026-W49", "2026-11-30", 4, 1, 2, 1, 1),
        ("hoan-kiem", "hk-1", "2026-W50", "2026-12-07", 1, 0, 0, 0, 0),
    ]
    assert attendance_rows(hk_only) == [
        ("hoan-kiem", "hk-1", "2026-W49", "2026-11-30", 4, 2, 1, 1, "67")
    ]


async def test_an_officer_sees_the_numbers_of_their_own_points_only(core, clock):
    await seed_visits(core, clock)
    officer = telegram(core, HOAN_KIEM)
    await officer.say("/officer")
    await officer.press("Numbers")
    assert HK_WEEK in officer.text and "Điểm hỗ trợ hk-1" in officer.text
    assert "cg-1" not in officer.text and "Week 50" not in officer.text
    admin = telegram(core, ADMIN)
    await admin.say("/officer")
    await admin.press("Numbers")
    assert HK_WEEK in admin.text and "Điểm hỗ trợ cg-1" in admin.text
    citizen = telegram(core, "v1")
    await citizen.tap("stat")
    assert "only for commune and ward officers" in citizen.text


async def test_guides_feedback_and_questions_are_shown_city_wide(core, clock):
    now = clock.now()
    async with core.db.transaction() as session:
        for kind, n in (("view", 5), ("complete", 2)):
            session.add_all(
                GuideEvent(guide_id="g-popular", version=3, locale="vi", kind=kind, at=now)
                for _ in range(n)
            )
        session.add(GuideEvent(guide_id="g-rare", version=1, locale="en", kind="view", at=now))
        session.add(
            GuideEvent(
                guide_id="g-old", version=1, locale="vi", kind="view", at=now - timedelta(days=40)
            )
        )
        session.add_all(
            GuideFeedback(
                guide_id="g-popular", version=version, locale="vi", helpful=helpful, created_at=now
            )
            for version, helpful in ((3, True), (3, True), (3, False), (2, False))
        )
        session.add_all(
            UnansweredQuestion(text=text, locale="vi", asked_at=now)
            for text in ("Giá vàng hôm nay?", "giá vàng hôm nay", "Thời tiết")
        )
    officer = telegram(core, HOAN_KIEM)
    await officer.say("/officer")
    await officer.press("Numbers")
    await officer.press("Guides read and feedback")
    lines = officer.text.splitlines()
    assert "1. g-popular — 5 views, 2 read to the end" in lines
    assert "2. g-rare — 1 views, 0 read to the end" in lines
    assert "g-old" not in officer.text, "older than 30 days"
    assert "• g-popular (version 3): 👍 2 / 👎 1" in lines
    assert "• g-popular (version 2): 👍 0 / 👎 1" in lines
    await officer.press("Bookings")
    await officer.press("Questions without an answer")
    assert officer.text.splitlines()[1:] == [
        "• “Giá vàng hôm nay?” — 2 times",
        "• “Thời tiết” — 1 time",
    ]


def test_report_commands_print_bookings_attendance_and_broadcasts_as_csv(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("TROLYSO_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    start = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)  # a Monday, 08:00 in Hanoi, long past

    async def seed() -> None:
        from bot import config as config_mod

        async with (
            open_database(config_mod.load(ROOT / "config.toml")) as db,
            db.transaction() as session,
        ):
            sess = BookingSession(
                point_id="hk-1",
                unit_id="hoan-kiem",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                slot_minutes=30,
                status="open",
                source="regular",
                created_at=start,
            )
            session.add(sess)
            await session.flush()
            slot = Slot(
                session_id=sess.id,
                point_id="hk-1",
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
                capacity=10,
                priority_seats=0,
                hold_until=start,
                booked=3,
                booked_priority=0,
                status="open",
            )
            session.add(slot)
            await session.flush()
            for n, status in enumerate(("attended", "missed", "attended", "cancelled")):
                session.add(
                    Booking(
                        code=f"C{n}",
                        slot_id=slot.id,
                        point_id="hk-1",
                        user_id=None,
                        channel="telegram",
                        chat_id=None,
                        locale="vi",
                        for_self=True,
                        visitor_name=None,
                        phone=None,
                        help_topic="dvc",
                        status=status,
                        consent=True,
                        created_at=start,
                        updated_at=start,
                        cancelled_at=None,
                        purged_at=None,
                    )
                )
            session.add(
                Broadcast(
                    author="telegram:100",
                    audience_kind="units",
                    audience_target=["hoan-kiem"],
                    text="Tin mới",
                    created_at=start,
                    status="done",
                    recipients=3,
                    delivered=2,
                    unreachable=1,
                    failed=0,
                    skipped=0,
                    finished_at=start,
                    progress_channel="telegram",
                    progress_chat_id="100",
                    progress_locale="vi",
                    progress_sent=3,
                )
            )

    asyncio.run(seed())

    def report(*args: str) -> list[list[str]]:
        assert cli.main(["--config", str(ROOT / "config.toml"), "report", *args]) == 0
        return list(csv.reader(io.StringIO(capsys.readouterr().out)))

    assert report("bookings") == [
        [
            "unit",
            "point",
            "week",
            "week_starts",
            "booked",
            "cancelled",
            "attended",
            "no_show",
            "not_marked",
        ],
        ["hoan-kiem", "hk-1", "2025-W23", "2025-06-02", "3", "1", "2", "1", "0"],
    ]
    assert report("attendance")[1] == [
        "hoan-kiem",
        "hk-1",
        "2025-W23",
        "2025-06-02",
        "3",
        "2",
        "1",
        "0",
        "67",
    ]
    assert report("bookings", "--unit", "cau-giay") == [report("bookings")[0]]
    assert report("bookings", "--since", "2025-06-03")[1:] == []
    (header, row) = report("broadcasts")
    assert header[:11] == [
        "id",
        "created",
        "author",
        "audience",
        "target",
        "status",
        "recipients",
        "delivered",
        "unreachable",
        "failed",
        "skipped",
    ]
    assert row[2:11] == ["telegram:100", "units", "hoan-kiem", "done", "3", "2", "1", "0", "0"]
    assert (
        cli.main(
            ["--config", str(ROOT / "config.toml"), "report", "bookings", "--unit", "hoan-kim"]
        )
        == 2
    )
    assert "did you mean hoan-kiem" in capsys.readouterr().err
