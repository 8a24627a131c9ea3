"""The rules of "Ask a person", for any surface (chat, command line, web page).

Citizens: `ask` (one open question at a time, in a known unit), `add` to it, `close_mine`,
`rate` an answered one; only their own question, found by their account (`actor.user_id`).
Officers (`@officer_service`, checked here, never by the surface): `queue` of their units,
oldest first; `conversation`, `take`, `answer`, `close`, `suggest_guide` on a question of
their unit; `numbers` of their units. An admin acts for every unit. A question of another unit
is refused as out of scope before anything is read or written.

Nothing here logs a question's text or who asked: logs carry ids only.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from bot.db.booking_models import Booking, Slot
from bot.db.broadcast_models import NewsSubscription
from bot.db.handoff_models import (
    CITIZEN,
    CLOSED,
    OFFICER,
    OPEN,
    GuideSuggestion,
    HandoffMessage,
    HandoffQuestion,
)
from bot.db.models import User
from bot.handoff import notices
from bot.handoff.settings import Settings
from bot.i18n import N_
from bot.officers import audit
from bot.services.context import ServiceContext
from bot.services.errors import NOT_OFFICER, NotAllowed, Refused
from bot.services.messages import define
from bot.services.registry import officer_service

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2000  # one message; longer text is cut (the chat says so)
QUEUE_ROWS = 20
SUGGESTION_CHARS = 500
_PERSONAL = re.compile(r"\+?\d[\d .\-]{5,}\d|[\w.+-]+@[\w-]+\.[\w.-]+")

define("handoff.not_found", N_("I could not find that question, so I did nothing."))
define("handoff.closed", N_("This question is already closed, so I did nothing."))
define("handoff.unknown_unit", N_("I don't know that commune or ward, so I did nothing."))
define("handoff.empty", N_("The message is empty, so I did nothing."))
define("handoff.already_open", N_("You already have an open question. Write to add to it."))
define("handoff.not_answered", N_("No officer has answered yet, so there is nothing to rate."))
define("handoff.no_canned", N_("I could not find that prepared answer, so I did nothing."))
define("handoff.no_photo", N_("I could not find that photo."))
define("handoff.bad_rating", N_("Please choose from 1 to 5 stars."))
define(
    "handoff.taken",
    N_("Another officer ({who}) has already taken this question, so I did nothing."),
)

audit.register_action("handoff.take", N_("Citizen's question taken by an officer"))
audit.register_action("handoff.close", N_("Citizen's question closed by an officer"))
audit.register_action("handoff.suggest", N_("Citizen's question suggested as a guide"))


def _affected(result: Any) -> int:
    """Rows an UPDATE or DELETE changed (its cursor result's rowcount)."""
    return int(result.rowcount or 0)


def clean(text: str | None, photo_id: str | None = None) -> str:
    """The message's text, cut to one message; empty only beside a photo."""
    text = (text or "").strip()
    if not text and not photo_id:
        raise Refused("handoff.empty")
    return text[:MAX_TEXT_CHARS]


# --- citizens ------------------------------------------------------------------------------


def _citizen(sc: ServiceContext) -> int:
    if sc.actor.user_id is None:
        raise Refused("handoff.not_found")
    return sc.actor.user_id


async def open_question(sc: ServiceContext) -> HandoffQuestion | None:
    """The actor's own open question, if any."""
    if sc.actor.user_id is None:
        return None
    return await sc.session.scalar(
        select(HandoffQuestion)
        .where(HandoffQuestion.user_id == sc.actor.user_id, HandoffQuestion.status == OPEN)
        .order_by(HandoffQuestion.id.desc())
        .limit(1)
    )


async def _mine(sc: ServiceContext, question_id: int) -> HandoffQuestion:
    question = await sc.session.get(HandoffQuestion, question_id, populate_existing=True)
    if question is None or question.user_id != _citizen(sc):
        # Someone else's question is "not found": its existence is not theirs to learn.
        raise Refused("handoff.not_found")
    return question


async def remembered_units(sc: ServiceContext) -> list[str]:
    """Units the citizen has dealt with, most recent first: earlier questions, bookings (their
    point's unit), news subscriptions; only units still known."""
    user_id = sc.actor.user_id
    if user_id is None:
        return []
    found: list[str] = []
    asked = await sc.session.scalars(
        select(HandoffQuestion.unit_id)
        .where(HandoffQuestion.user_id == user_id)
        .order_by(HandoffQuestion.created_at.desc())
        .limit(5)
    )
    found += list(asked)
    points = await sc.session.scalars(
        select(Booking.point_id)
        .where(Booking.user_id == user_id)
        .order_by(Booking.created_at.desc())
        .limit(5)
    )
    if sc.places is not None:
        found += [sc.places.points[p].unit for p in points if p in sc.places.points]
    found += list(
        await sc.session.scalars(
            select(NewsSubscription.unit_id)
            .where(NewsSubscription.user_id == user_id)
            .order_by(NewsSubscription.created_at.desc())
        )
    )
    units = sc.units()
    return [u for i, u in enumerate(found) if u in units and u not in found[:i]][:3]


async def ask(
    sc: ServiceContext,
    settings: Settings,
    unit_id: str,
    text: str | None,
    *,
    channel: str,
    chat_id: str,
    locale: str,
    photo_id: str | None = None,
) -> HandoffQuestion:
    """A new question to the officers of `unit_id` (its words, a photo of the screen, or
    both); they are told through the outbox."""
    user_id = _citizen(sc)
    if unit_id not in sc.units():
        raise Refused("handoff.unknown_unit")
    text = clean(text, photo_id)
    if await open_question(sc) is not None:
        raise Refused("handoff.already_open")
    now = sc.now()
    question = HandoffQuestion(
        user_id=user_id,
        unit_id=unit_id,
        channel=channel,
        chat_id=chat_id,
        locale=locale,
        status=OPEN,
        created_at=now,
        last_message_at=now,
        escalation=0,
        suggested=False,
    )
    sc.session.add(question)
    await sc.session.flush()
    sc.session.add(
        HandoffMessage(
            question_id=question.id, author=CITIZEN, text=text, photo_id=photo_id, created_at=now
        )
    )
    await notices.announce(sc.session, settings, [unit_id], now)
    log.info("handoff question %s asked in unit %s", question.id, unit_id)
    return question


async def add(
    sc: ServiceContext, settings: Settings, text: str | None, photo_id: str | None = None
) -> HandoffQuestion | None:
    """Add the citizen's message (words, a photo, or both) to their open question (None: they
    have none). The officer who took it is told; if nobody has, the unit's officers are
    (throttled)."""
    question = await open_question(sc)
    if question is None:
        return None
    text = clean(text, photo_id)
    now = sc.now()
    message = HandoffMessage(
        question_id=question.id, author=CITIZEN, text=text, photo_id=photo_id, created_at=now
    )
    sc.session.add(message)
    question.last_message_at = now
    await sc.session.flush()
    if question.taken_by is not None:
        await notices.citizen_wrote(sc.session, settings, question, message, now)
    else:
        await notices.announce(sc.session, settings, [question.unit_id], now)
    return question


async def close_mine(sc: ServiceContext) -> HandoffQuestion | None:
    question = await open_question(sc)
    if question is None:
        return None
    question.status, question.closed_at, question.closed_by = CLOSED, sc.now(), CITIZEN
    return question


async def rate(sc: ServiceContext, question_id: int, stars: int) -> HandoffQuestion:
    question = await _mine(sc, question_id)
    if not 1 <= stars <= 5:
        raise Refused("handoff.bad_rating")
    if question.first_answer_at is None:
        raise Refused("handoff.not_answered")
    question.rating = stars
    return question


async def messages_of(session, question_id: int) -> list[HandoffMessage]:
    return list(
        (
            await session.scalars(
                select(HandoffMessage)
                .where(HandoffMessage.question_id == question_id)
                .order_by(HandoffMessage.created_at, HandoffMessage.id)
            )
        ).all()
    )


# --- officers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    id: int
    unit_id: str
    created_at: datetime
    waiting: timedelta  # since asked
    first_text: str
    answered: bool
    taken_by: str | None  # the taker's account ("telegram:100"), None when nobody took it
    taken_by_me: bool
    photos: int = 0  # how many photos the citizen sent


@dataclass(frozen=True)
class Conversation:
    question: HandoffQuestion
    messages: list[HandoffMessage]
    taken_by: str | None
    taken_by_me: bool


async def taker_label(session, person_id: int | None) -> str | None:
    """How officers see who took a question: the taker's channel account(s)."""
    if person_id is None:
        return None
    accounts = await session.scalars(
        select(User).where(User.person_id == person_id).order_by(User.last_seen_at.desc())
    )
    first = accounts.first()
    return f"{first.channel}:{first.external_id}" if first is not None else "-"


@officer_service
async def queue(sc: ServiceContext) -> list[QueueItem]:
    """Open questions of the officer's units (every unit for an admin), oldest first."""
    officer = sc.actor.require_officer()
    query = (
        select(HandoffQuestion)
        .where(HandoffQuestion.status == OPEN)
        .order_by(HandoffQuestion.created_at, HandoffQuestion.id)
        .limit(QUEUE_ROWS)
    )
    if not officer.is_admin:
        query = query.where(HandoffQuestion.unit_id.in_(officer.sorted_units))
    found = list((await sc.session.scalars(query)).all())
    now = sc.now()
    ids = [q.id for q in found]
    # Three queries for the whole page, not three per question: each question's first
    # message, its photos, and how each taker is shown.
    first_ids = (
        select(func.min(HandoffMessage.id))
        .where(HandoffMessage.question_id.in_(ids))
        .group_by(HandoffMessage.question_id)
    )
    firsts = dict(
        (
            await sc.session.execute(
                select(HandoffMessage.question_id, HandoffMessage.text).where(
                    HandoffMessage.id.in_(first_ids)
                )
            )
        ).all()
    )
    photos = dict(
        (
            await sc.session.execute(
                select(HandoffMessage.question_id, func.count())
                .where(HandoffMessage.question_id.in_(ids), HandoffMessage.photo_id.is_not(None))
                .group_by(HandoffMessage.question_id)
            )
        ).all()
    )
    takers = {p: await taker_label(sc.session, p) for p in {q.taken_by for q in found} if p}
    items = []
    for q in found:
        items.append(
            QueueItem(
                q.id,
                q.unit_id,
                q.created_at,
                now - q.created_at,
                firsts.get(q.id) or "",
                q.first_answer_at is not None,
                takers.get(q.taken_by) if q.taken_by else None,
                q.taken_by is not None and q.taken_by == officer.person_id,
                int(photos.get(q.id) or 0),
            )
        )
    return items


async def _question_for(sc: ServiceContext, question_id: int) -> HandoffQuestion:
    """The question, if the actor may act for its unit (checked before anything is shown)."""
    sc.actor.require_officer()
    question = await sc.session.get(HandoffQuestion, question_id, populate_existing=True)
    if question is None:
        raise Refused("handoff.not_found")
    sc.actor.require_unit(question.unit_id)
    return question


def _open(question: HandoffQuestion) -> HandoffQuestion:
    if question.status != OPEN:
        raise Refused("handoff.closed")
    return question


@officer_service
async def conversation(sc: ServiceContext, question_id: int) -> Conversation:
    question = await _question_for(sc, question_id)
    return Conversation(
        question,
        await messages_of(sc.session, question.id),
        await taker_label(sc.session, question.taken_by),
        question.taken_by is not None and question.taken_by == sc.actor.person_id,
    )


async def _take(sc: ServiceContext, question: HandoffQuestion) -> None:
    if question.taken_by is not None and question.taken_by == sc.actor.person_id:
        return
    if question.taken_by is not None:
        raise Refused("handoff.taken", who=await taker_label(sc.session, question.taken_by))
    # Conditional, so two officers pressing at once cannot both take it.
    taken = await sc.session.execute(
        update(HandoffQuestion)
        .where(
            HandoffQuestion.id == question.id,
            HandoffQuestion.taken_by.is_(None),
            HandoffQuestion.status == OPEN,
        )
        .values(taken_by=sc.actor.person_id, taken_at=sc.now())
    )
    await sc.session.refresh(question)
    if _affected(taken) != 1:
        raise Refused("handoff.taken", who=await taker_label(sc.session, question.taken_by))
    await audit.record_by(
        sc,
        "handoff.take",
        f"handoff:{question.id}",
        None,
        {"officer_person": sc.actor.person_id},
        unit_id=question.unit_id,
    )


@dataclass(frozen=True)
class PhotoRef:
    channel: str  # the channel that holds the photo (where the citizen asked)
    file_id: str


@officer_service
async def photo_of(sc: ServiceContext, question_id: int, message_id: int) -> PhotoRef:
    """A photo of a question's conversation, for an officer of its unit to see."""
    question = await _question_for(sc, question_id)
    message = await sc.session.get(HandoffMessage, message_id)
    if message is None or message.question_id != question.id or not message.photo_id:
        raise Refused("handoff.no_photo")
    return PhotoRef(question.channel, message.photo_id)


@officer_service
async def take(sc: ServiceContext, question_id: int) -> HandoffQuestion:
    question = _open(await _question_for(sc, question_id))
    await _take(sc, question)
    return question


@officer_service
async def answer(
    sc: ServiceContext, settings: Settings, question_id: int, text: str
) -> HandoffMessage:
    """One answer message, sent to the citizen through the outbox. Answering a question
    nobody took takes it."""
    question = _open(await _question_for(sc, question_id))
    text = clean(text)
    if sc.actor.person_id is None:  # the command line's operator is nobody to answer as
        raise NotAllowed(NOT_OFFICER)
    await _take(sc, question)
    now = sc.now()
    message = HandoffMessage(
        question_id=question.id,
        author=OFFICER,
        person_id=sc.actor.person_id,
        text=text,
        created_at=now,
    )
    sc.session.add(message)
    question.first_answer_at = question.first_answer_at or now
    question.last_message_at = now
    await sc.session.flush()
    await notices.answer_to_citizen(sc.session, settings, question, text, sc.places, now)
    return message


@officer_service
async def close(sc: ServiceContext, settings: Settings, question_id: int) -> HandoffQuestion:
    """Close the question; the citizen is told and, if it was answered, asked to rate."""
    question = _open(await _question_for(sc, question_id))
    now = sc.now()
    question.status, question.closed_at, question.closed_by = CLOSED, now, OFFICER
    await audit.record_by(
        sc,
        "handoff.close",
        f"handoff:{question.id}",
        {"status": OPEN},
        {"status": CLOSED},
        unit_id=question.unit_id,
    )
    await notices.closed_to_citizen(sc.session, settings, question, sc.places, now)
    return question


@officer_service
async def suggest_guide(sc: ServiceContext, question_id: int) -> GuideSuggestion | None:
    """Keep the question's first message, masked and without who asked, as a guide
    suggestion for the editors (`trolyso report handoff-suggestions`); once per question."""
    question = await _question_for(sc, question_id)
    if question.suggested:
        return None
    first = await sc.session.scalar(
        select(HandoffMessage.text)
        .where(
            HandoffMessage.question_id == question.id,
            HandoffMessage.author == CITIZEN,
            HandoffMessage.text != "",  # a photo sent without words says nothing to editors
        )
        .order_by(HandoffMessage.id)
        .limit(1)
    )
    kept = _PERSONAL.sub("***", " ".join((first or "").split()))[:SUGGESTION_CHARS]
    suggestion = GuideSuggestion(
        unit_id=question.unit_id, locale=question.locale, text=kept, created_at=sc.now()
    )
    sc.session.add(suggestion)
    question.suggested = True
    await audit.record_by(
        sc,
        "handoff.suggest",
        f"handoff:{question.id}",
        None,
        {"suggested": True},
        unit_id=question.unit_id,
    )
    return suggestion


@dataclass(frozen=True)
class CitizenBooking:
    code: str
    point_id: str
    starts_at: datetime
    status: str  # confirmed, attended, missed, cancelled
    help_topic: str


BOOKINGS_SHOWN = 10


@officer_service
async def citizen_bookings(sc: ServiceContext, question_id: int) -> list[CitizenBooking]:
    """The asking citizen's bookings, newest visit first, for the officer answering them: only
    to an officer of the question's unit, and only bookings at points of units the officer acts
    for (an admin sees all). No name or phone: the conversation is about the question."""
    question = await _question_for(sc, question_id)
    rows = (
        await sc.session.execute(
            select(Booking, Slot.starts_at)
            .join(Slot, Slot.id == Booking.slot_id)
            .where(Booking.user_id == question.user_id)
            .order_by(Slot.starts_at.desc(), Booking.id.desc())
        )
    ).all()
    points = sc.places.points if sc.places is not None else {}
    found = []
    for booking, starts_at in rows:
        point = points.get(booking.point_id)
        if point is None or not sc.actor.can_act_on_unit(point.unit):
            continue
        found.append(
            CitizenBooking(
                booking.code, booking.point_id, starts_at, booking.status, booking.help_topic
            )
        )
    return found[:BOOKINGS_SHOWN]


@officer_service
async def numbers(sc: ServiceContext, since: datetime | None = None):
    """Asked, answered, median minutes to the first answer and unanswered after 24 hours, per
    unit of the officer (every unit with questions for an admin)."""
    from bot.handoff.numbers import per_unit

    officer = sc.actor.require_officer()
    units = None if officer.is_admin else officer.sorted_units
    return await per_unit(sc.session, sc.now(), since=since, unit_ids=units)
