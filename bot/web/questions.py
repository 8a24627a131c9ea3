""" "Questions from citizens" on the officer pages: the open questions of the officer's units,
oldest first with how long each has waited and who took it; a question's conversation with
take, answer (each message sent as the chat's answers are), the unit's canned answers, turn
into a guide suggestion and close; beside it, the citizen's bookings at the officer's points.

Everything goes through bot/handoff/service.py, the functions the chat's "📨 Questions from
citizens" uses: they check the officer's unit before anything is read or written (a forged
form for another unit's question is a 403 and changes nothing) and queue what the citizen is
sent through the outbox. This module only shows and forwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from bot.booking import texts
from bot.db.handoff_models import CITIZEN
from bot.handoff import canned, service
from bot.handoff.notices import unit_name
from bot.handoff.settings import settings_of
from bot.i18n import _, ngettext
from bot.services.errors import Refused
from bot.web.app import PREFIX, Page, officer_page, see_other

CANNED_SERVICE = "handoff.canned"  # filled by handlers/handoff.py's setup
SHORT = 120


def waiting(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return ngettext("waiting {n} minute", "waiting {n} minutes", minutes)
    if minutes < 48 * 60:
        return ngettext("waiting {n} hour", "waiting {n} hours", minutes // 60)
    return ngettext("waiting {n} day", "waiting {n} days", minutes // (24 * 60))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


def _taken(taken_by: str | None, by_me: bool) -> str:
    if by_me:
        return _("taken by you")
    if taken_by:
        return _("taken by {who}", who=taken_by)
    return _("nobody has taken it")


@dataclass(frozen=True)
class QueueRow:
    id: int
    unit: str
    asked: str
    waiting: str
    text: str
    answered: bool
    taken: str
    taken_by_me: bool
    photos: int


@dataclass(frozen=True)
class MessageRow:
    from_citizen: bool
    author: str
    at: str
    text: str
    photo: int | None = None  # the message's photo, shown from /questions/{id}/photos/{photo}


@dataclass(frozen=True)
class BookingRow:
    when: str
    point: str
    status: str
    help: str


def _status(status: str) -> str:
    return {
        "confirmed": _("booked"),
        "attended": _("came"),
        "missed": _("did not come"),
        "cancelled": _("cancelled"),
    }.get(status, status)


def _units(page: Page):
    places = page.core.services.get("places")
    return places.units if places is not None else {}


def _when(page: Page, dt) -> str:
    return texts.clock(dt) + " " + texts.day_label(dt)


@officer_page
async def queue_page(page: Page) -> web.Response:
    items = await service.queue(page.sc())
    rows = [
        QueueRow(
            id=i.id,
            unit=unit_name(_units(page), i.unit_id),
            asked=_when(page, i.created_at),
            waiting=waiting(i.waiting),
            text=_short(i.first_text),
            answered=i.answered,
            taken=_taken(i.taken_by, i.taken_by_me),
            taken_by_me=i.taken_by_me,
            photos=i.photos,
        )
        for i in items
    ]
    return page.render("questions.html", active="questions", questions=rows)


def _id(page: Page) -> int:
    text = page.request.match_info["question"]
    if not (text.isdigit() and len(text) <= 11):
        raise web.HTTPNotFound()
    return int(text)


def _canned(page: Page, unit_id: str) -> tuple[canned.Canned, ...]:
    return canned.for_unit(page.core.services.get(CANNED_SERVICE) or {}, unit_id)


async def _question_page(
    page: Page, question_id: int, notice: str | None = None, status: int = 200
) -> web.Response:
    sc = page.sc()
    try:
        found = await service.conversation(sc, question_id)
    except Refused as e:
        return page.render(
            "questions.html",
            404,
            active="questions",
            questions=None,
            notice=str(e),
        )
    q = found.question
    bookings = await service.citizen_bookings(sc, question_id)
    places = page.core.services.get("places")
    points = places.points if places is not None else {}
    messages = [
        MessageRow(
            from_citizen=m.author == CITIZEN,
            author=_("Citizen") if m.author == CITIZEN else _("Officer"),
            at=_when(page, m.created_at),
            text=m.text,
            photo=m.id if m.photo_id else None,
        )
        for m in found.messages
    ]
    booking_rows = [
        BookingRow(
            when=_when(page, b.starts_at),
            point=points[b.point_id].name if b.point_id in points else b.point_id,
            status=_status(b.status),
            help=texts.help_text(b.help_topic, None),
        )
        for b in bookings
    ]
    answers = [(i, a.title) for i, a in enumerate(_canned(page, q.unit_id))]
    return page.render(
        "question.html",
        status,
        active="questions",
        q=q,
        unit=unit_name(_units(page), q.unit_id),
        asked=_when(page, q.created_at),
        waiting=waiting(page.now() - q.created_at),
        is_open=q.status == "open",
        taken=_taken(found.taken_by, found.taken_by_me),
        taken_by_someone=found.taken_by is not None,
        messages=messages,
        bookings=booking_rows,
        canned=answers,
        notice=notice,
    )


def _done(key: str) -> str | None:
    """What the last action did, shown after its redirect (the key comes from our own
    redirect; anything else shows nothing)."""
    return {
        "taken": _("✋ You took this question."),
        "sent": _("✅ Sent to the citizen."),
        "suggested": _("📚 Kept for the guide editors, without the citizen's name or number."),
        "closed": _("✅ Closed. The citizen has been told."),
    }.get(key)


@officer_page
async def question_page(page: Page) -> web.Response:
    return await _question_page(page, _id(page), _done(page.request.query.get("done", "")))


async def _act(page: Page, act, done: str) -> web.Response:
    """Run one service action on the question; back to its page (a refusal is shown there,
    and nothing changed)."""
    question_id = _id(page)
    try:
        await act(page.sc(), question_id)
    except Refused as e:
        return await _question_page(page, question_id, str(e), 409)
    return see_other(f"{PREFIX}/questions/{question_id}?done={done}#conversation")


@officer_page
async def take(page: Page) -> web.Response:
    return await _act(page, service.take, "taken")


@officer_page
async def answer(page: Page) -> web.Response:
    text = str(page.form.get("text", ""))
    settings = settings_of(page.core.config)

    async def act(sc, question_id):
        return await service.answer(sc, settings, question_id, text)

    return await _act(page, act, "sent")


@officer_page
async def send_canned(page: Page) -> web.Response:
    index = str(page.form.get("answer", ""))
    settings = settings_of(page.core.config)

    async def act(sc, question_id):
        found = await service.conversation(sc, question_id)
        answers = _canned(page, found.question.unit_id)
        if not (index.isdigit() and int(index) < len(answers)):
            raise Refused("handoff.no_canned")
        text = answers[int(index)].text(found.question.locale, page.core.config.bot.default_locale)
        return await service.answer(sc, settings, question_id, text)

    return await _act(page, act, "sent")


@officer_page
async def suggest(page: Page) -> web.Response:
    return await _act(page, service.suggest_guide, "suggested")


@officer_page
async def close(page: Page) -> web.Response:
    settings = settings_of(page.core.config)

    async def act(sc, question_id):
        return await service.close(sc, settings, question_id)

    return await _act(page, act, "closed")


MAX_PHOTO_BYTES = 10 * 1024 * 1024
_IMAGE_TYPES = ((b"\x89PNG", "image/png"), (b"RIFF", "image/webp"), (b"\xff\xd8", "image/jpeg"))


@officer_page
async def photo(page: Page) -> web.StreamResponse:
    """A photo of the conversation, fetched from the channel that holds it (only its id is
    stored here) for an officer of the question's unit; never kept."""
    from bot.outbox.channels import registered

    message = page.request.match_info["message"]
    if not (message.isdigit() and len(message) <= 11):
        raise web.HTTPNotFound()
    try:
        ref = await service.photo_of(page.sc(), _id(page), int(message))
    except Refused:
        raise web.HTTPNotFound() from None
    fetch = getattr(registered(page.core).get(ref.channel), "fetch_photo", None)
    data = await fetch(ref.file_id, MAX_PHOTO_BYTES) if fetch is not None else None
    if not data:
        raise web.HTTPNotFound()
    kind = next((mime for magic, mime in _IMAGE_TYPES if data.startswith(magic)), None)
    if kind is None:
        raise web.HTTPNotFound()
    return web.Response(body=data, content_type=kind)


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/questions", queue_page)
    router.add_get("/questions/{question}", question_page)
    router.add_get("/questions/{question}/photos/{message}", photo)
    router.add_post("/questions/{question}/take", take)
    router.add_post("/questions/{question}/answer", answer)
    router.add_post("/questions/{question}/canned", send_canned)
    router.add_post("/questions/{question}/suggest", suggest)
    router.add_post("/questions/{question}/close", close)
