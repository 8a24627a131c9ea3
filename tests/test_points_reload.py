"""`content reload` is complete (issue 14 item 5): a new point's sessions can be booked at
once, a changed session follows its file — unless people booked it or an officer changed it —
a removed one goes, and the operator is told what changed (the store's result, the report
file, and `trolyso content reload`'s output)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import app, cli
from bot.booking import queries
from bot.content.reload import pid_file
from bot.content.store import content_store
from bot.core import Core
from bot.db.booking_models import BookingSession, Slot
from bot.schedule import service as schedule
from bot.services.actor import Actor
from bot.services.context import ServiceContext
from tests.guide_tree import make_tree
from tests.schedule_setup import book, citizen

ROOT = Path(__file__).resolve().parent.parent
TUESDAY = date(2026, 12, 1)  # the test clock starts on Saturday 28 November 2026
THURSDAY = date(2026, 12, 3)

NEW_POINT = """
[[point]]
id = "cau-giay-2"
name = "Điểm hỗ trợ số phường Cầu Giấy — điểm 2 (mẫu)"
address = "Nhà văn hoá tổ dân phố, phường Cầu Giấy (địa chỉ mẫu)"
lat = 21.036
lon = 105.80

[[point.session]]
weekdays = ["sat"]
start = "08:00"
end = "10:00"
slot_minutes = 30
seats_per_slot = 2
priority_seats = 1
"""


@pytest.fixture
def content(tmp_path) -> Path:
    return make_tree(tmp_path)


@pytest.fixture
async def core(config, clock, content) -> AsyncIterator[Core]:
    core = await app.start(config.replace(paths__content=str(content)), clock=clock)
    try:
        yield core
    finally:
        await core.close()


async def sessions_of(core: Core, point_id: str) -> list[tuple[BookingSession, list[Slot]]]:
    async with core.db.transaction() as session:
        rows = (
            await session.scalars(
                select(BookingSession)
                .where(BookingSession.point_id == point_id)
                .order_by(BookingSession.starts_at)
            )
        ).all()
        found = []
        for row in rows:
            slots = (await session.scalars(select(Slot).where(Slot.session_id == row.id))).all()
            found.append((row, list(slots)))
        return found


def local_day(core: Core, row: BookingSession) -> date:
    return row.starts_at.astimezone(core.config.tz).date()


def edit(content: Path, name: str, old: str, new: str) -> None:
    path = content / "points" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


async def test_reload_opens_new_points_follows_changes_and_keeps_bookings_and_officers(
    core, content
):
    lan = await citizen(core, "501")
    await book(core, lan, "hoan-kiem", TUESDAY, "08:30")
    # an officer gives Thursday's session 6 seats per time slot
    thursday = next(
        r for r, _s in await sessions_of(core, "hoan-kiem") if local_day(core, r) == THURSDAY
    )
    async with core.db.transaction() as session:
        sc = ServiceContext(
            Actor.operator("cli:test"),
            session,
            core.clock,
            core.config.tz,
            places=core.services["places"],
        )
        await schedule.change_capacity(sc, thursday.id, 6)
    before_ba_dinh = len(await sessions_of(core, "ba-dinh"))

    edit(
        content,
        "hoan-kiem.toml",
        "seats_per_slot = 4\npriority_seats = 2\n\n# An",
        "seats_per_slot = 5\npriority_seats = 2\n\n# An",
    )
    edit(content, "ba-dinh.toml", 'weekdays = ["mon", "wed", "fri"]', 'weekdays = ["mon", "wed"]')
    (content / "points" / "cau-giay.toml").write_text(
        (content / "points" / "cau-giay.toml").read_text(encoding="utf-8") + NEW_POINT,
        encoding="utf-8",
    )
    result = await content_store(core).reload()
    assert result.ok, result.problems
    report = "\n".join(result.changes)
    assert "points: 1 new (cau-giay-2), 2 changed (ba-dinh, hoan-kiem), 0 removed" in report
    assert "sessions:" in report and "kept as they were: 1 session(s) no longer as in" in report
    assert "kept as they were: 1 session(s) an officer changed" in report

    # the new point can be booked now, not after a restart or at 03:00
    now = core.clock.now()
    async with core.db.transaction() as session:
        slots = await queries.slots_between(session, "cau-giay-2", now, now + timedelta(days=14))
    assert slots and {s.capacity for s in slots} == {2}

    by_day = {local_day(core, r): (r, s) for r, s in await sessions_of(core, "hoan-kiem")}
    booked_row, booked_slots = by_day[TUESDAY]
    assert {s.capacity for s in booked_slots} == {4}, "booked: kept as it was"
    assert {s.capacity for s in by_day[THURSDAY][1]} == {6}, "the officer's seats: kept"
    later = by_day[TUESDAY + timedelta(days=7)][1]
    assert {s.capacity for s in later} == {5}, "nobody booked: follows the file"

    ba_dinh = await sessions_of(core, "ba-dinh")
    assert len(ba_dinh) < before_ba_dinh
    assert all(local_day(core, r).weekday() != 4 for r, _s in ba_dinh), "Fridays are gone"

    again = await content_store(core).reload()
    assert "sessions: 0 added, 0 changed, 0 removed (0 time slots opened)" in again.changes


async def test_the_reload_command_prints_what_the_bot_changed(
    core, content, tmp_path, monkeypatch, capsys
):
    store = content_store(core)
    assert store.signal_installed
    monkeypatch.setenv("TROLYSO_PATHS_CONTENT", str(content))
    monkeypatch.setenv("TROLYSO_PATHS_PID_FILE", str(tmp_path / "run" / "bot.pid"))
    (content / "points" / "cau-giay.toml").write_text(
        (content / "points" / "cau-giay.toml").read_text(encoding="utf-8") + NEW_POINT,
        encoding="utf-8",
    )
    args = ["--config", str(ROOT / "config.toml"), "content", "reload", "--wait", "20"]
    config = core.config.replace(paths__pid_file=str(tmp_path / "run" / "bot.pid"))
    # the bot's report goes beside the pid file it was started with: start it there
    from bot.content.reload import install_sighup, report_path

    assert install_sighup(store, report_path(config))
    with pid_file(config):
        code = await asyncio.to_thread(cli.main, args)
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"process {os.getpid()}" in out and "reloaded:" in out
    assert "points: 1 new (cau-giay-2), 0 changed, 0 removed" in out
