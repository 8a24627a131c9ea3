"""The citizen's services, called directly as a web page or the command line would: a person acts
only on their own bookings, waitlist places, data and news; someone else's id is refused and
changes nothing; details a surface gathered are checked by the service itself."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select

from bot import app
from bot.booking import mine, privacy, visits
from bot.booking.service import Details
from bot.broadcasts import subscriptions
from bot.core import Core
from bot.db.booking_models import Booking, HomeVisitRequest
from bot.db.broadcast_models import NewsSubscription
from bot.services.actor import Actor, actor_for_identity
from bot.services.context import ServiceContext
from bot.services.errors import Refused
from tests.booking_flow import MONDAY, slot_at, use_places
from tests.schedule_setup import book, citizen, snapshot

REPLY_TO = ("telegram", "chat", "vi")


@pytest.fixture
async def core(config, clock):
    core = await app.start(config, clock=clock)
    await use_places(core)
    try:
        yield core
    finally:
        await core.close()


def _sc(core: Core, actor: Actor, db) -> ServiceContext:
    return ServiceContext(actor, db, core.clock, core.config.tz, core.services["places"], None, 28)


async def _as(core: Core, external_id: str) -> Actor:
    async with core.db.transaction() as db:
        return await actor_for_identity(db, "telegram", external_id)


def _details(**changes) -> Details:
    base = dict(
        for_self=True, name="Lê Thị Hoa", phone="+84912000333", help_topic="vneid", consent=True
    )
    return Details(**{**base, **changes})


@pytest.mark.parametrize(
    "call",
    [
        lambda sc, b, s: mine.own(sc, b),
        lambda sc, b, s: mine.cancel(sc, b),
        lambda sc, b, s: mine.free_slots(sc, b),
        lambda sc, b, s: mine.move(sc, b, s),
        lambda sc, b, s: mine.still_fine(sc, b),
        lambda sc, b, s: mine.rebook_offer(sc, b, s),
        lambda sc, b, s: mine.rebook(sc, b, s, REPLY_TO),
    ],
)
async def test_someone_elses_booking_is_refused_and_nothing_changes(core, call):
    lan = await citizen(core, "501")
    await citizen(core, "502")
    booking = await book(core, lan, "hk-1", MONDAY, "08:30")
    other_slot = await slot_at(core, "hk-1", MONDAY, "09:00")
    stranger = await _as(core, "502")
    before = await snapshot(core)
    async with core.db.transaction() as db:
        with pytest.raises(Refused) as caught:
            await call(_sc(core, stranger, db), booking.id, other_slot.id)
    assert caught.value.key in ("mine.not_found", "mine.offer_gone")
    assert await snapshot(core) == before


async def test_my_own_booking_may_be_moved_and_cancelled(core):
    lan = await citizen(core, "501")
    booking = await book(core, lan, "hk-1", MONDAY, "08:30")
    other_slot = await slot_at(core, "hk-1", MONDAY, "09:00")
    me = await _as(core, "501")
    async with core.db.transaction() as db:
        moved, slot = await mine.move(_sc(core, me, db), booking.id, other_slot.id)
        assert moved.code == booking.code and slot.id == other_slot.id
    async with core.db.transaction() as db:
        cancelled, _slot = await mine.cancel(_sc(core, me, db), booking.id)
        assert cancelled.status == "cancelled"
    async with core.db.transaction() as db:
        with pytest.raises(Refused) as caught:
            await mine.cancel(_sc(core, me, db), booking.id)
    assert caught.value.key == "mine.cancelled"


async def test_erasing_my_data_leaves_other_peoples_alone(core):
    lan, minh = await citizen(core, "501"), await citizen(core, "502")
    await book(core, lan, "hk-1", MONDAY, "08:30")
    theirs = await book(core, minh, "hk-1", MONDAY, "09:00", name="Phạm Văn Minh")
    me = await _as(core, "501")
    async with core.db.transaction() as db:
        await privacy.erase_my_data(_sc(core, me, db))
    async with core.db.transaction() as db:
        kept = await db.get(Booking, theirs.id)
        mine_left = await db.scalar(
            select(func.count()).select_from(Booking).where(Booking.visitor_name.is_not(None))
        )
    assert kept.visitor_name == "Phạm Văn Minh" and kept.status == "confirmed"
    assert mine_left == 1
    async with core.db.transaction() as db:
        with pytest.raises(Refused):
            await privacy.my_data(_sc(core, Actor.operator("cli:ops"), db))


async def test_news_only_from_a_known_unit(core):
    await citizen(core, "501")
    me = await _as(core, "501")
    async with core.db.transaction() as db:
        with pytest.raises(Refused) as caught:
            await subscriptions.subscribe(_sc(core, me, db), "../etc", "chat", "vi")
        assert caught.value.key == "news.unknown_unit"
    async with core.db.transaction() as db:
        assert await subscriptions.subscribe(_sc(core, me, db), "hoan-kiem", "chat", "vi")
        assert await db.scalar(select(func.count()).select_from(NewsSubscription)) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"name": " "},
        {"phone": "0912000333"},  # not in the stored form
        {"help_topic": "passport"},
        {"priority": ["vip"]},
        {"needs": ["limo"]},
        {"consent": False},
    ],
)
async def test_a_booking_with_details_in_the_wrong_form_is_refused(core, changes):
    await citizen(core, "501")
    me = await _as(core, "501")
    slot = await slot_at(core, "hk-1", MONDAY, "08:30")
    before = await snapshot(core)
    async with core.db.transaction() as db:
        sc = _sc(core, me, db)
        with pytest.raises(Refused) as booked:
            await visits.book_visit(sc, slot.id, _details(**changes), REPLY_TO)
        with pytest.raises(Refused) as asked:
            await visits.ask_home_visit(sc, "hk-1", _details(**changes), "Ngõ 5", [0], REPLY_TO)
    assert booked.value.key == asked.value.key == "booking.incomplete"
    assert await snapshot(core) == before
    async with core.db.transaction() as db:
        assert await db.scalar(select(func.count()).select_from(HomeVisitRequest)) == 0


async def test_a_visit_is_booked_for_the_actors_own_account(core):
    lan = await citizen(core, "501")
    slot = await slot_at(core, "hk-1", MONDAY, "08:30")
    me = await _as(core, "501")
    async with core.db.transaction() as db:
        booking, _slot = await visits.book_visit(_sc(core, me, db), slot.id, _details(), REPLY_TO)
    assert booking is not None and booking.user_id == lan
    assert booking.channel == "telegram" and time(8, 30) == _slot.starts_at.astimezone(
        core.config.tz
    ).time().replace(second=0)
