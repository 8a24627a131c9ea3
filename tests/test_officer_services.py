"""Every officer service, called directly — no chat, no dialog — the way the command line or a
web page would: a citizen is refused, an officer of another unit is refused (or sees nothing of
that unit, for "my …" lists), and nothing changes even when the caller commits; the officer of
the unit and an admin succeed.

The services are enumerated from their registry (bot/services/registry.py): a new officer
service without a case here fails `test_every_officer_service_has_a_case`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

import bot.broadcasts.history as broadcast_history
import bot.broadcasts.service as broadcasts
import bot.handoff.service as handoff
import bot.officers.linking as linking
import bot.officers.service as officers
import bot.schedule.daily as daily
import bot.schedule.files as files
import bot.schedule.home_visits as home_visits
import bot.schedule.moving as moving
import bot.schedule.service as schedule
import bot.stats.service as stats
import bot.web.auth as web_auth
from bot import app
from bot.booking import service as booking_service
from bot.broadcasts import texts as broadcast_texts
from bot.broadcasts.audience import Audience
from bot.channels.policy import ALWAYS
from bot.core import Core
from bot.db.booking_models import Booking, HomeVisitRequest
from bot.db.broadcast_models import Broadcast
from bot.db.handoff_models import HandoffMessage, HandoffQuestion
from bot.db.officer_models import Officer
from bot.handoff.settings import settings_of
from bot.schedule.placing import Shape
from bot.services.actor import Actor, actor_for_identity
from bot.services.context import ServiceContext
from bot.services.errors import NOT_ADMIN, NOT_OFFICER, OUT_OF_SCOPE, NotAllowed
from bot.services.registry import OFFICER_SERVICES
from bot.types import Document
from tests.booking_flow import MONDAY, use_places
from tests.schedule_setup import (
    ADMIN,
    CAU_GIAY,
    HOAN_KIEM,
    OFFICERS,
    audits,
    book,
    citizen,
    session_at,
    snapshot,
)

UNIT = "hoan-kiem"
HEADER = "date,start,end,slot_minutes,seats_per_slot,priority_seats,action,reason\n"
FILE = Document(
    filename="lich.csv",
    data=(HEADER + "1/12,14:00,15:00,30,4,0,add,\n").encode(),
    mime_type="text/csv",
)


@dataclass
class World:
    """Hoàn Kiếm's point hk-1 with a booked session on Monday and a home-visit request."""

    core: Core
    session_id: int
    booking_id: int
    request_id: int
    broadcast_id: int = 0  # one sent to hk-1's visitors by the admin
    question_id: int = 0  # a citizen's question to Hoàn Kiếm's officers
    walk_in_id: int = 0  # a visitor who came to hk-1 on Monday without booking
    admin: ServiceContext | None = None


Call = Callable[[ServiceContext, World], Awaitable[Any]]


async def _apply(sc: ServiceContext, w: World) -> Any:
    assert w.admin is not None
    seen = (await files.preview(w.admin, "hk-1", FILE)).fingerprint()
    plan, applied = await files.apply(sc, "hk-1", FILE, seen)
    assert applied, plan.problems
    return plan


async def _check_move(sc: ServiceContext, w: World) -> Any:
    assert w.admin is not None
    view = await schedule.session_for(w.admin, w.session_id)
    return await moving.check_move(sc, view, MONDAY + timedelta(days=1), time(14))


async def _mark(sc: ServiceContext, w: World) -> Any:
    w.core.clock.set(datetime(2026, 11, 30, 3, 0, tzinfo=UTC))  # Monday 10:00 in Hanoi
    return await daily.mark(sc, w.booking_id, "attended")


async def _walk_in(sc: ServiceContext, w: World) -> Any:
    w.core.clock.set(datetime(2026, 11, 30, 3, 0, tzinfo=UTC))  # Monday 10:00 in Hanoi
    return await daily.walk_in(sc, "hk-1")


async def _numbers(sc: ServiceContext, w: World) -> Any:
    w.core.clock.set(datetime(2026, 11, 30, 3, 0, tzinfo=UTC))  # Monday's visit is this week
    return await stats.bookings_by_week(sc, 4)


async def _send(sc: ServiceContext, w: World) -> Any:
    return await broadcasts.send_broadcast(
        sc,
        Audience("point", ("hk-1",)),
        "Thứ Hai điểm hỗ trợ mở cửa muộn 30 phút.",
        lambda: broadcast_texts.Sender("point", ("hk-1",)),
        reply_to=("telegram", HOAN_KIEM, "vi"),
        default_locale="vi",
    )


# Services acting on one unit: the other unit's officer is refused.
SCOPED: dict[str, Call] = {
    "schedule.service.point_for": lambda sc, w: schedule.point_for(sc, "hk-1"),
    "schedule.service.session_for": lambda sc, w: schedule.session_for(sc, w.session_id),
    "schedule.service.upcoming": lambda sc, w: schedule.upcoming(sc, "hk-1"),
    "schedule.service.check_free": lambda sc, w: schedule.check_free(
        sc, "hk-1", MONDAY, time(14), time(15)
    ),
    "schedule.service.add_session": lambda sc, w: schedule.add_session(
        sc, Shape("hk-1", MONDAY, time(14), time(15), 30, 4, 0)
    ),
    "schedule.service.session_affected": lambda sc, w: schedule.session_affected(sc, w.session_id),
    "schedule.service.cancel_session": lambda sc, w: schedule.cancel_session(
        sc, w.session_id, "Cán bộ bận họp"
    ),
    "schedule.service.sessions_between": lambda sc, w: schedule.sessions_between(
        sc, "hk-1", MONDAY, MONDAY
    ),
    "schedule.service.close_preview": lambda sc, w: schedule.close_preview(
        sc, "hk-1", MONDAY, MONDAY
    ),
    "schedule.service.people_told": lambda sc, w: schedule.people_told(sc, [w.session_id]),
    "schedule.service.close_told": lambda sc, w: schedule.close_told(sc, "hk-1", MONDAY, MONDAY),
    "schedule.service.close_point": lambda sc, w: schedule.close_point(
        sc, "hk-1", MONDAY, MONDAY, "Mất điện cả ngày"
    ),
    "schedule.service.change_capacity": lambda sc, w: schedule.change_capacity(
        sc, w.session_id, 6
    ),
    "schedule.moving.check_move": _check_move,
    "schedule.moving.move_notice": lambda sc, w: moving.move_notice(
        sc, w.session_id, MONDAY + timedelta(days=1), time(14)
    ),
    "schedule.moving.move_session": lambda sc, w: moving.move_session(
        sc, w.session_id, MONDAY + timedelta(days=1), time(14)
    ),
    "schedule.files.read": lambda sc, w: files.read(sc, "hk-1", FILE),
    "schedule.files.preview": lambda sc, w: files.preview(sc, "hk-1", FILE),
    "schedule.files.apply": _apply,
    "schedule.daily.day_list": lambda sc, w: daily.day_list(sc, "hk-1", MONDAY),
    "schedule.daily.mark": _mark,
    "schedule.daily.walk_in": _walk_in,
    "schedule.daily.remove_walk_in": lambda sc, w: daily.remove_walk_in(sc, w.walk_in_id),
    "schedule.daily.export_csv": lambda sc, w: daily.export_csv(sc, "hk-1", MONDAY),
    "schedule.home_visits.request_for": lambda sc, w: home_visits.request_for(sc, w.request_id),
    "schedule.home_visits.assign_to_me": lambda sc, w: home_visits.assign_to_me(sc, w.request_id),
    "schedule.home_visits.mark_done": lambda sc, w: home_visits.mark_done(sc, w.request_id),
    "schedule.home_visits.write_note": lambda sc, w: home_visits.write_note(
        sc, w.request_id, "Hẹn chiều thứ Ba, mang theo thẻ căn cước"
    ),
    "officers.service.audit_log": lambda sc, w: officers.audit_log(sc, UNIT),
    "broadcasts.service.authorise": lambda sc, w: broadcasts.authorise(
        sc, Audience("units", (UNIT,))
    ),
    "broadcasts.service.sessions_of": lambda sc, w: broadcasts.sessions_of(sc, "hk-1"),
    "broadcasts.history.broadcast_status": lambda sc, w: broadcast_history.broadcast_status(
        sc, w.broadcast_id
    ),
    "broadcasts.service.reach_now": lambda sc, w: broadcasts.reach_now(
        sc, Audience("point", ("hk-1",)), "vi", lambda channel: ALWAYS
    ),
    "broadcasts.service.send_broadcast": _send,
    "handoff.service.conversation": lambda sc, w: handoff.conversation(sc, w.question_id),
    "handoff.service.take": lambda sc, w: handoff.take(sc, w.question_id),
    "handoff.service.answer": lambda sc, w: handoff.answer(
        sc, settings_of(w.core.config), w.question_id, "Ông/bà mở ứng dụng VNeID."
    ),
    "handoff.service.close": lambda sc, w: handoff.close(
        sc, settings_of(w.core.config), w.question_id
    ),
    "handoff.service.suggest_guide": lambda sc, w: handoff.suggest_guide(sc, w.question_id),
    "handoff.service.citizen_bookings": lambda sc, w: handoff.citizen_bookings(sc, w.question_id),
    "handoff.service.photo_of": lambda sc, w: _photo_of(sc, w),
}


async def _photo_of(sc: ServiceContext, w: World) -> Any:
    first = await sc.session.scalar(
        select(HandoffMessage.id).where(HandoffMessage.question_id == w.question_id).limit(1)
    )
    return await handoff.photo_of(sc, w.question_id, first)


def _no_hoan_kiem_points(found: Any) -> bool:
    return bool(found) and all(p.unit != UNIT for p in found)


# "My …" lists: the other unit's officer gets their own, never Hoàn Kiếm's.
MINE: dict[str, tuple[Call, Callable[[Any], bool]]] = {
    "schedule.service.my_points": (
        lambda sc, w: schedule.my_points(sc),
        _no_hoan_kiem_points,
    ),
    "broadcasts.service.my_points": (
        lambda sc, w: broadcasts.my_points(sc),
        _no_hoan_kiem_points,
    ),
    "schedule.home_visits.queue": (
        lambda sc, w: home_visits.queue(sc),
        lambda found: all(r.unit_id != UNIT for r in found),
    ),
    "stats.service.bookings_by_week": (
        lambda sc, w: _numbers(sc, w),
        lambda found: all(not r.point_id.startswith("hk-") for r in found),
    ),
    "handoff.service.queue": (
        lambda sc, w: handoff.queue(sc),
        lambda found: all(q.unit_id != UNIT for q in found),
    ),
    "handoff.service.numbers": (
        lambda sc, w: handoff.numbers(sc),
        lambda found: all(n.unit_id != UNIT for n in found),
    ),
}

# Any officer, no citizen: the city-wide numbers, a code to link another app, a login link
# to the web pages.
ANY_OFFICER: dict[str, Call] = {
    "officers.linking.new_code": lambda sc, w: linking.new_code(sc),
    "web.auth.issue_link": lambda sc, w: web_auth.issue_link(sc, "vi", "chat-1"),
    "broadcasts.history.recent_broadcasts": lambda sc, w: broadcast_history.recent_broadcasts(sc),
    "stats.service.guide_numbers": lambda sc, w: stats.guide_numbers(sc, 30),
    "stats.service.unanswered_questions": lambda sc, w: stats.unanswered_questions(sc, 30, 5),
}

# Admins only: every officer who is not one is refused.
ADMIN_ONLY: dict[str, Call] = {
    "officers.service.grant": lambda sc, w: officers.grant(
        sc, "telegram", "4242", "officer", [UNIT]
    ),
    "officers.service.revoke": lambda sc, w: officers.revoke(sc, "telegram", HOAN_KIEM),
    "officers.service.list_officers": lambda sc, w: officers.list_officers(sc),
}

CASES: dict[str, Call] = {
    **SCOPED,
    **{k: v[0] for k, v in MINE.items()},
    **ANY_OFFICER,
    **ADMIN_ONLY,
}


def _import_every_bot_module() -> None:
    """A service registers when its module is imported: import them all, so a new module's
    officer service cannot hide from this test."""
    import bot

    for found in pkgutil.walk_packages(bot.__path__, "bot."):
        if ".migrations" not in found.name and not found.name.endswith("__main__"):
            importlib.import_module(found.name)


def test_every_officer_service_has_a_case():
    _import_every_bot_module()
    assert sorted(OFFICER_SERVICES) == sorted(CASES)
    kinds = [set(SCOPED), set(MINE), set(ANY_OFFICER), set(ADMIN_ONLY)]
    assert sum(len(k) for k in kinds) == len(CASES), "each service in one kind"


@pytest.fixture
async def core(config, clock):
    core = await app.start(config.replace(**OFFICERS), clock=clock)
    await use_places(core)
    try:
        yield core
    finally:
        await core.close()


async def _world(core: Core) -> World:
    lan = await citizen(core, "501")
    booking = await book(core, lan, "hk-1", MONDAY, "08:30")
    session = await session_at(core, "hk-1", MONDAY)
    booker = booking_service.Booker(lan, "telegram", "chat-501", "vi")
    details = booking_service.Details(
        for_self=True, name="Trần Văn Minh", phone="+84912000222", help_topic="vneid"
    )
    async with core.db.transaction() as db:
        request = await booking_service.request_home_visit(
            db,
            unit_id=UNIT,
            point_id="hk-1",
            booker=booker,
            details=details,
            address="Ngõ 5",
            days=[0],
            now=core.clock.now(),
        )
        sent = Broadcast(
            author=f"telegram:{ADMIN}",
            audience_kind="point",
            audience_target=["hk-1"],
            text="Thứ Hai điểm hỗ trợ mở cửa muộn 30 phút.",
            created_at=core.clock.now(),
            progress_channel="telegram",
            progress_chat_id=ADMIN,
            progress_locale="vi",
        )
        db.add(sent)
        walk_in = Booking(
            code="WALKIN01",
            slot_id=booking.slot_id,
            point_id="hk-1",
            user_id=None,
            channel=daily.WALK_IN,
            chat_id=None,
            locale="vi",
            for_self=True,
            help_topic="other",
            consent=False,
            status="attended",
            created_at=core.clock.now(),
            updated_at=core.clock.now(),
            cancelled_at=None,
            purged_at=None,
        )
        db.add(walk_in)
        await db.flush()
    async with core.db.transaction() as db:
        question = await handoff.ask(
            _context(core, Actor.citizen("telegram:501", lan), db),
            settings_of(core.config),
            UNIT,
            "Tôi quên mật khẩu VNeID, phải làm sao?",
            channel="telegram",
            chat_id="501",
            locale="vi",
            photo_id="AgACAgIAAxkBAAIBQ2",  # a photo of the screen, by Telegram's id
        )
    return World(
        core,
        session.id,
        booking.id,
        request.id,
        broadcast_id=sent.id,
        question_id=question.id,
        walk_in_id=walk_in.id,
    )


def _context(core: Core, actor: Actor, db) -> ServiceContext:
    return ServiceContext(
        actor=actor,
        session=db,
        clock=core.clock,
        tz=core.config.tz,
        places=core.services["places"],
        content_dir=core.config.path("paths.content"),
        horizon_days=core.config.booking.horizon_days,
    )


async def _everything(core: Core) -> tuple:
    async with core.db.transaction() as db:
        visits = [
            (r.id, r.status, r.assigned_to, r.officer_note)
            for r in (await db.scalars(select(HomeVisitRequest))).all()
        ]
        broadcasts_sent = await db.scalar(select(func.count()).select_from(Broadcast))
        questions = [
            (q.id, q.status, q.taken_by, q.first_answer_at, q.suggested)
            for q in (await db.scalars(select(HandoffQuestion))).all()
        ]
        said = await db.scalar(select(func.count()).select_from(HandoffMessage))
        grants = sorted(
            (o.id, o.role, tuple(o.unit_ids)) for o in (await db.scalars(select(Officer))).all()
        )
    return (
        await snapshot(core),
        visits,
        broadcasts_sent,
        grants,
        len(await audits(core)),
        questions,
        said,
    )


async def _call_as(core: Core, w: World, who: Actor, name: str) -> Any:
    """Call the service as `who` and commit whatever it left in the transaction."""
    async with core.db.transaction() as db:
        admin = await actor_for_identity(db, "telegram", ADMIN)
        w.admin = _context(core, admin, db)
        return await CASES[name](_context(core, who, db), w)


async def _refused_as(core: Core, w: World, who: Actor, name: str) -> NotAllowed:
    """The refusal, with the caller committing afterwards: a service must refuse before it
    writes anything, not rely on the surface rolling back."""
    async with core.db.transaction() as db:
        admin = await actor_for_identity(db, "telegram", ADMIN)
        w.admin = _context(core, admin, db)
        with pytest.raises(NotAllowed) as caught:
            await CASES[name](_context(core, who, db), w)
    return caught.value


async def _officer(core: Core, external_id: str) -> Actor:
    async with core.db.transaction() as db:
        return await actor_for_identity(db, "telegram", external_id)


@pytest.mark.parametrize("name", sorted(CASES))
async def test_a_citizen_is_refused_every_officer_service_and_nothing_changes(core, name):
    w = await _world(core)
    async with core.db.transaction() as db:
        someone = await actor_for_identity(db, "telegram", "501")
    assert not someone.is_officer
    before = await _everything(core)
    refusal = await _refused_as(core, w, someone, name)
    assert refusal.key == NOT_OFFICER
    assert await _everything(core) == before


@pytest.mark.parametrize("name", sorted(SCOPED))
async def test_an_officer_of_another_unit_is_refused_and_nothing_changes(core, name):
    w = await _world(core)
    other = await _officer(core, CAU_GIAY)
    assert other.is_officer and not other.can_act_on_unit(UNIT)
    before = await _everything(core)
    refusal = await _refused_as(core, w, other, name)
    assert refusal.key == OUT_OF_SCOPE
    assert await _everything(core) == before


@pytest.mark.parametrize("name", sorted(MINE))
async def test_an_officer_of_another_unit_sees_only_their_own(core, name):
    w = await _world(core)
    other = await _officer(core, CAU_GIAY)
    before = await _everything(core)
    found = await _call_as(core, w, other, name)
    assert MINE[name][1](found), found
    assert await _everything(core) == before


@pytest.mark.parametrize("name", sorted(ANY_OFFICER))
async def test_any_officer_may_use_the_services_for_every_officer(core, name):
    w = await _world(core)
    assert await _call_as(core, w, await _officer(core, CAU_GIAY), name) is not None


@pytest.mark.parametrize("name", sorted(ADMIN_ONLY))
@pytest.mark.parametrize("who", [HOAN_KIEM, CAU_GIAY])
async def test_an_officer_who_is_not_an_admin_is_refused_and_nothing_changes(core, name, who):
    w = await _world(core)
    before = await _everything(core)
    refusal = await _refused_as(core, w, await _officer(core, who), name)
    assert refusal.key == NOT_ADMIN
    assert await _everything(core) == before


@pytest.mark.parametrize("name", sorted(ADMIN_ONLY))
async def test_an_admin_may_list_grant_and_take_away_rights(core, name):
    w = await _world(core)
    found = await _call_as(core, w, await _officer(core, ADMIN), name)
    if name == "officers.service.list_officers":
        listed = {(o.role, tuple(o.unit_ids), o.is_me) for o in found}
        assert listed == {("admin", (), True), ("officer", (UNIT,), False)} | {
            ("officer", ("cau-giay",), False)
        }, listed
    else:
        assert found is True


@pytest.mark.parametrize("name", sorted(set(CASES) - set(ADMIN_ONLY)))
@pytest.mark.parametrize("who", [HOAN_KIEM, ADMIN])
async def test_the_units_officer_and_an_admin_may(core, name, who):
    w = await _world(core)
    found = await _call_as(core, w, await _officer(core, who), name)
    if name in MINE and who == HOAN_KIEM:  # an admin's own units: none in this test
        assert any(
            getattr(item, "unit", None) == UNIT
            or getattr(item, "unit_id", None) == UNIT
            or str(getattr(item, "point_id", "")).startswith("hk-")
            for item in found
        ), found


async def test_a_refusal_names_the_reason_in_the_readers_language(core):
    from bot import i18n
    from bot.services.messages import render

    w = await _world(core)
    other = await _officer(core, CAU_GIAY)
    refusal = await _refused_as(core, w, other, "schedule.service.cancel_session")
    with i18n.use_locale("en"):
        assert "not an officer of that commune or ward" in render(refusal)
    with i18n.use_locale("vi"):
        assert render(refusal) != "" and "officer" not in render(refusal)


async def test_the_command_line_operator_may_read_any_units_audit_log(core):
    await _world(core)
    async with core.db.transaction() as db:
        sc = _context(core, Actor.operator("cli:ops"), db)
        assert isinstance(await officers.audit_log(sc, UNIT), list)
