"""Broadcasts: the audience (subscribers, visitors of a point or session, everyone) without
people who turned news off, unreachable people or duplicates; scope and admin checks on every
audience, shown or forged; the preview's count is what is queued; /stop and "🔕 Stop news"
work at once and for good; the officer hears how it goes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, update

from bot import app
from bot.broadcasts import progress
from bot.broadcasts.audience import Audience, recipients
from bot.channels.errors import RecipientUnreachable, Rejected
from bot.core import Core
from bot.db.booking_models import OutboxMessage
from bot.db.broadcast_models import Broadcast, NewsOptOut, NewsSubscription
from bot.db.models import User
from bot.db.officer_models import AuditEntry
from bot.outbox import runtime
from bot.outbox.sweeper import sweep_once
from tests.booking_flow import MONDAY, rows_of, slot_at, use_places, user_id_of
from tests.broadcast_flow import (
    ADMIN,
    CAU_GIAY,
    HOAN_KIEM,
    OFFICERS,
    booked,
    compose,
    outbox,
    subscribed,
    telegram,
    unreachable,
)
from tests.outbox_helpers import attach

# Storage-backed behaviour (queries across tables, bulk inserts): also run on PostgreSQL.
pytestmark = pytest.mark.both_databases

TEXT = "Thứ Bảy này điểm hỗ trợ mở cửa thêm buổi chiều, từ 14:00 đến 17:00."


@pytest.fixture
async def core(config, clock):
    core = await app.start(config.replace(**OFFICERS), clock=clock)
    await use_places(core)
    try:
        yield core
    finally:
        await core.close()


async def _who(core: Core, audience: Audience) -> set[str]:
    async with core.db.transaction() as session:
        people = await recipients(session, audience, core.clock.now(), "vi")
        ids = {p.user_id for p in people}
        assert len(ids) == len(people), "each person once"
        users = await session.execute(select(User.id, User.external_id).where(User.id.in_(ids)))
        return {external for _id, external in users}


async def test_audience_leaves_out_opted_out_unreachable_and_duplicates(core, clock):
    await subscribed(core, "c1", "cau-giay", "ba-dinh")  # two of the units: counted once
    await subscribed(core, "c2", "cau-giay")
    stopper = await subscribed(core, "c3", "cau-giay")
    await stopper.say("/stop")
    await subscribed(core, "c4", "cau-giay")
    await unreachable(core, "c4")
    await subscribed(core, "c5", "ba-dinh")
    await subscribed(core, "c6", "hoan-kiem")  # another unit

    units = Audience("units", ("cau-giay", "ba-dinh"))
    assert await _who(core, units) == {"c1", "c2", "c5"}

    await booked(core, "v1", "cg-1", "08:00")
    await booked(core, "v1", "cg-1", "09:00")  # two visits: one message
    await booked(core, "c2", "cg-1", "08:00")
    await booked(core, "c3", "cg-1", "08:30")  # turned news off
    await booked(core, "v2", "cg-2", "08:00")  # another point
    assert await _who(core, Audience("point", ("cg-1",))) == {"v1", "c2"}
    slot = await slot_at(core, "cg-1", MONDAY, "09:00")
    assert await _who(core, Audience("session", (slot.session_id,))) == {"v1", "c2"}

    clock.advance(hours=2)
    await telegram(core, "c4").say("/menu")  # writing again makes them reachable again
    assert await _who(core, units) == {"c1", "c2", "c4", "c5"}


async def test_preview_shows_the_exact_count_and_confirm_queues_that_many(core):
    for n, units in enumerate([("cau-giay",), ("cau-giay", "ba-dinh"), ("ba-dinh",)]):
        await subscribed(core, f"c{n}", *units)
    stopper = await subscribed(core, "c8", "cau-giay")
    await stopper.say("/stop")
    officer = telegram(core, CAU_GIAY)
    await compose(officer, TEXT)
    assert "Who should get this message?" in officer.text
    assert not any("Everyone" in label for label in officer.labels), "not an admin"
    await officer.press("Subscribers of all my communes and wards")
    assert "this message will go to 3 people" in officer.text
    assert "It will not reach:\n• 1 person: turned news off" in officer.text, "as on the web"
    assert TEXT in officer.text and "📣 News from Ba Đình ward, Cầu Giấy ward" in officer.text
    await officer.press("Send to 3 people")
    assert "is queued for 3 people" in officer.text

    rows = await outbox(core)
    assert len(rows) == 3 and len({r.recipient_user_id for r in rows}) == 3
    (broadcast,) = await rows_of(core, Broadcast)
    assert broadcast.recipients == 3 and broadcast.audience_target == ["ba-dinh", "cau-giay"]
    for row in rows:
        assert row.priority > 50 and row.data == {"broadcast_id": broadcast.id}
        assert TEXT in row.text and row.status == "pending"
        assert row.buttons == [[{"label": "🔕 Stop news", "payload": "news:stop"}]]
    audit = await rows_of(core, AuditEntry, AuditEntry.action == "broadcast.send")
    assert sorted(e.unit_id for e in audit) == ["ba-dinh", "cau-giay"]
    assert all(
        e.target == f"broadcast:{broadcast.id}" and e.after["recipients"] == 3 for e in audit
    )

    await officer.tap("bc:go")  # a second tap on the old button
    assert "no longer open" in officer.text
    assert len(await outbox(core)) == 3


async def test_each_recipient_reads_it_in_their_own_language(core):
    await subscribed(core, "en1", "hoan-kiem")
    vi = telegram(core, "vi1")
    vi.language = "vi"
    await vi.tap("news:sub:hoan-kiem")
    officer = telegram(core, HOAN_KIEM)
    await compose(officer, TEXT)
    await officer.press("Subscribers of Hoàn Kiếm ward")
    await officer.press("Send to 2 people")
    by_chat = {r.chat_id: r.text for r in await outbox(core)}
    assert by_chat["en1"].startswith("📣 News from Hoàn Kiếm ward") and TEXT in by_chat["en1"]
    assert "Phường Hoàn Kiếm" in by_chat["vi1"] and TEXT in by_chat["vi1"]


async def test_an_officer_is_refused_another_units_audience_shown_or_forged(core):
    await subscribed(core, "c1", "cau-giay")
    await booked(core, "v1", "cg-1")
    session_id = (await slot_at(core, "cg-1", MONDAY, "08:30")).session_id
    officer = telegram(core, HOAN_KIEM)
    await compose(officer, TEXT)
    assert not any("Cầu Giấy" in label for label in officer.labels)
    for forged in ("bc:u:cau-giay", "bc:p:cg-1", f"bc:s:{session_id}", "bc:sp:cg-1"):
        await officer.tap(forged)
        assert "not an officer of that commune or ward" in officer.text, forged
    citizen = telegram(core, "c1")
    await citizen.tap("bc:u:cau-giay")
    assert "only for commune and ward officers" in citizen.text
    assert await rows_of(core, Broadcast) == [] and await outbox(core) == []


async def test_only_an_admin_may_send_to_everyone_even_with_a_forged_button(core):
    for n in range(3):
        await telegram(core, f"c{n}").say("/menu")
    await (await subscribed(core, "c9", "hoan-kiem")).say("/stop")
    officer = telegram(core, HOAN_KIEM)
    await compose(officer, TEXT)
    await officer.tap("bc:all")
    assert "only an administrator can do that" in officer.text
    assert await outbox(core) == []

    admin = telegram(core, ADMIN)
    await compose(admin, TEXT)
    await admin.press("Everyone who uses the bot")
    async with core.db.transaction() as session:
        everyone = await session.scalar(select(func.count()).select_from(User))
    expected = everyone - 1  # c9 turned news off
    assert f"will go to {expected} people" in admin.text
    await admin.press(f"Send to {expected} people")
    assert len(await outbox(core)) == expected
    (entry,) = await rows_of(core, AuditEntry, AuditEntry.action == "broadcast.send")
    assert entry.unit_id is None and entry.after["audience"] == "everyone"


async def test_visitors_of_one_session_are_reached_through_point_and_session_choice(core):
    await booked(core, "v1", "cg-1", "08:00")
    await booked(core, "v2", "cg-1", "09:30")
    await booked(core, "v3", "cg-1", "08:00", day=MONDAY + timedelta(days=2))  # Wednesday
    officer = telegram(core, CAU_GIAY)
    await compose(officer, TEXT)
    await officer.press("Visitors of one session")
    await officer.press("Điểm hỗ trợ cg-1")
    assert "2 booked" in officer.labels[0] and "1 booked" in officer.labels[1]
    await officer.press("2 booked")
    assert "will go to 2 people" in officer.text and "About your visit to" in officer.text
    await officer.press("Send to 2 people")
    rows = await outbox(core)
    assert {r.chat_id for r in rows} == {"v1", "v2"}


async def test_a_too_long_text_is_refused_kindly_and_nothing_changes(core):
    await subscribed(core, "c1", "hoan-kiem")
    officer = telegram(core, HOAN_KIEM)
    await compose(officer, "x" * 1001)
    assert "1001 characters" in officer.text and "at most 1000" in officer.text
    assert "Cancel" in officer.labels[0]
    await officer.say("Ngắn thôi.")
    assert "Who should get this message?" in officer.text
    await officer.press("Subscribers of Hoàn Kiếm ward")
    await officer.say("Một nội dung khác.")  # a new text replaces the old, audience kept
    assert "Một nội dung khác." in officer.text and "will go to 1 person" in officer.text
    await officer.press("Cancel")
    assert "nothing was sent" in officer.text
    assert await outbox(core) == []


async def test_stop_drops_waiting_broadcasts_and_no_broadcast_is_queued_after(core):
    citizen = await subscribed(core, "c1", "hoan-kiem")
    await subscribed(core, "c2", "hoan-kiem")
    officer = telegram(core, HOAN_KIEM)
    await compose(officer, TEXT)
    await officer.press("Subscribers of Hoàn Kiếm ward")
    await officer.press("Send to 2 people")
    uid = await user_id_of(core, citizen)

    await citizen.say("/stop")
    assert "no more news" in citizen.text and "Turn news back on" in citizen.labels[0]
    assert [r.recipient_user_id for r in await outbox(core)] != [] and uid not in [
        r.recipient_user_id for r in await outbox(core)
    ]

    await compose(officer, "Tin thứ hai.")
    await officer.press("Subscribers of Hoàn Kiếm ward")
    assert "will go to 1 person" in officer.text
    await officer.press("Send to 1 person")
    assert uid not in [r.recipient_user_id for r in await outbox(core)]

    other = telegram(core, "c2")
    await other.tap("news:stop")  # the button under every broadcast
    assert len(await rows_of(core, NewsOptOut)) == 2
    await compose(officer, "Tin thứ ba.")
    await officer.press("Subscribers of Hoàn Kiếm ward")
    assert "nobody to send to" in officer.text
    assert not any("Send to" in label for label in officer.labels)


async def test_progress_at_most_every_n_seconds_then_one_final_report(core, clock):
    for n in range(3):
        await subscribed(core, f"c{n}", "hoan-kiem")
    officer = telegram(core, HOAN_KIEM)
    await compose(officer, TEXT)
    await officer.press("Subscribers of Hoàn Kiếm ward")
    await officer.press("Send to 3 people")
    (broadcast,) = await rows_of(core, Broadcast)
    first, second, third = await outbox(core)

    async def mark(row: OutboxMessage, status: str, error: str | None = None) -> None:
        async with core.db.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(status=status, last_error=error)
            )

    await mark(first, "sent")
    assert await progress.check(core) == 0, "not before progress_every_seconds"
    clock.advance(seconds=61)
    assert await progress.check(core) == 1
    (note,) = await outbox(core, progress.PROGRESS_KIND)
    assert note.text == f"📣 Broadcast no. {broadcast.id}: sent 1 / 3"
    assert note.chat_id == HOAN_KIEM and note.priority < first.priority
    assert await progress.check(core) == 0, "at most every 60 seconds"
    clock.advance(seconds=61)
    assert await progress.check(core) == 0, "nothing new to tell"

    await mark(second, "failed", "unreachable")
    await mark(third, "failed", "Rejected: message is too long")
    assert await progress.check(core) == 1
    assert await progress.check(core) == 0, "one report"
    (report,) = await outbox(core, progress.REPORT_KIND)
    assert "is finished" in report.text
    assert "Delivered: 1" in report.text and "Failed: 1" in report.text
    (done,) = await rows_of(core, Broadcast)
    assert (done.status, done.delivered, done.unreachable, done.failed) == ("done", 1, 1, 1)


async def test_the_sweeper_sends_it_skipping_who_turned_news_off_and_reports(core, clock):
    for n in range(4):
        await subscribed(core, f"c{n}", "hoan-kiem")
    officer = telegram(core, HOAN_KIEM)
    await compose(officer, TEXT)
    await officer.press("Subscribers of Hoàn Kiếm ward")
    await officer.press("Send to 4 people")
    channel = attach(core, clock, "telegram")
    channel.fail["c1"] = [RecipientUnreachable("Forbidden: bot was blocked by the user")]
    channel.fail["c2"] = [Rejected("Bad Request: chat not found")]
    late = await user_id_of(core, telegram(core, "c3"))
    async with core.db.transaction() as session:  # news off after queueing, before sending
        session.add(NewsOptOut(user_id=late, opted_out_at=clock.now()))

    await sweep_once(core)
    assert [chat for chat, _text, _at in channel.sent] == ["c0"]
    assert "🔕 Stop news" in [
        b.label
        for _c, replies in channel.replies
        for r in replies
        for row in r.buttons
        for b in row
    ]
    assert {r.chat_id: r.status for r in await outbox(core)} == {
        "c0": "sent",
        "c1": "failed",
        "c2": "failed",
        "c3": "skipped",
    }
    await runtime.outbox(core).run_periodic()  # what the sweeper does before each sweep
    await sweep_once(core)
    chat, report, _at = channel.sent[-1]
    assert chat == HOAN_KIEM
    for line in (
        "Delivered: 1",
        "blocked the bot or left the messenger): 1",
        "Failed: 1",
        "turned news off meanwhile: 1",
    ):
        assert line in report


async def test_while_the_sweeper_sends_the_officer_sees_progress_then_the_report(config, clock):
    core = await app.start(
        config.replace(broadcasts__progress_every_seconds=5, **OFFICERS), clock=clock
    )
    try:
        await use_places(core)
        now = clock.now()
        async with core.db.transaction() as session:
            ids = (
                await session.scalars(
                    insert(User).returning(User.id),
                    [
                        dict(
                            channel="telegram",
                            external_id=f"9{n:04d}",
                            created_at=now,
                            last_seen_at=now,
                        )
                        for n in range(150)
                    ],
                )
            ).all()
            await session.execute(
                insert(NewsSubscription),
                [
                    dict(
                        user_id=i,
                        unit_id="hoan-kiem",
                        chat_id=f"chat{i}",
                        locale="vi",
                        created_at=now,
                    )
                    for i in ids
                ],
            )
        officer = telegram(core, HOAN_KIEM)
        await compose(officer, TEXT)
        await officer.press("Subscribers of Hoàn Kiếm ward")
        await officer.press("Send to 150 people")
        channel = attach(core, clock, "telegram")  # 20 messages a second, on the fake clock
        to_officer: list[str] = []
        for _ in range(30):  # the sweeper's ticks: periodic work, then a sweep
            await runtime.outbox(core).run_periodic()
            if not (await sweep_once(core)).claimed:
                clock.advance(seconds=1)
            to_officer = [text for chat, text, _at in channel.sent if chat == HOAN_KIEM]
            if to_officer and "is finished" in to_officer[-1]:
                break
        assert len([c for c, _t, _a in channel.sent if c != HOAN_KIEM]) == 150
        sent = re.fullmatch(r"📣 Broadcast no\. \d+: sent (\d+) / 150", to_officer[0])
        assert sent and 0 < int(sent[1]) < 150, "told while it was going out"
        assert "is finished" in to_officer[-1] and "Delivered: 150" in to_officer[-1]
    finally:
        await core.close()


async def test_numbers_in_progress_are_grouped_the_vietnamese_way(core):
    from bot import i18n
    from bot.broadcasts import texts

    with i18n.use_locale("vi"):
        assert "1.200 / 5.000" in texts.progress(7, 1200, 5000)
    with i18n.use_locale("en"):
        assert "1,200 / 5,000" in texts.progress(7, 1200, 5000)
