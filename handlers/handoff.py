""" "🙋 Ask a person" in the chat: the citizen's side (choose the commune or ward, write, told
when to expect an answer; while the question is open, what they write is added to it) and the
officer's side ("📨 Questions from citizens": the queue, a question's conversation, take,
answer in several messages or with a canned answer, suggest a guide, close). Every rule and
check is in bot/handoff/service.py; this module only talks.

The officer payloads (`hq…`) and the citizen's close/rate payloads (which also arrive on
outbox messages) are accepted from anyone (`always=True`): the service refuses what the
sender may not do.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.ctx import Ctx, MenuEntry, OfficerEntry
from bot.db.handoff_models import CITIZEN
from bot.handoff import canned, hours, jobs, service
from bot.handoff import privacy as _privacy  # noqa: F401  (registers with /privacy)
from bot.handoff.notices import CLOSE_MINE, OPEN_PREFIX, QUEUE, RATE_PREFIX, unit_name
from bot.handoff.settings import settings_of
from bot.i18n import N_, _, format_time, ngettext
from bot.points.find import find_units, nearest_points
from bot.points.names import unit_label
from bot.router import Router
from bot.services.errors import Refused
from bot.types import Button, ButtonKind, Incoming, Reply, rows
from handlers import menu
from handlers.officer import officer_action
from handlers.services import render, service_context

if TYPE_CHECKING:
    from bot.core import Core

router = Router()

ASK = "ask"
UNIT_PREFIX = "ask:u:"
FIND = "ask:find"
STATE = "handoff"
UNIT_STATE = "handoff.unit"
WRITE_STATE = "handoff.write"
ANSWER_STATE = "handoff.answer"
TAKE, ANSWER, CANNED, SUGGEST, CLOSE, NUMBERS = "hq:t:", "hq:a:", "hq:k:", "hq:g:", "hq:c:", "hq:n"
CANNED_SERVICE = "handoff.canned"
SHOWN_MESSAGES = 12
SHOWN_PHOTOS = 3
CANNED_SHOWN = 4

MENU_ENTRY = MenuEntry(
    ASK,
    N_("🙋 Ask a person"),
    N_("Ask the officers of your commune or ward a question; their answer comes back here."),
    visible=lambda ctx: ctx is None or ctx.services.get("places") is not None,
)
QUEUE_ENTRY = OfficerEntry(QUEUE, N_("📨 Questions from citizens"))


def ask_button() -> Button:
    return Button(_("🙋 Ask a person"), ASK)


def at_guide_end(guide, ctx: Ctx) -> list[Button]:
    """At a guide's end (handlers.MENUS.guide_end): someone still stuck can ask a person."""
    return [ask_button()] if ctx.services.get("places") is not None else []


def _photos_reach_us(ctx: Ctx) -> bool:
    """The citizen's channel passes pictures on: a photo of the screen is offered there only."""
    return ctx.core.profile(ctx.user.channel).capabilities.inbound_photos


def _open_buttons() -> tuple[tuple[Button, ...], ...]:
    return rows(
        Button(_("✖ Close my question"), CLOSE_MINE), Button(_("📖 Back to the menu"), "menu")
    )


def _settings(ctx: Ctx):
    return settings_of(ctx.config)


def _units(ctx: Ctx):
    places = ctx.services.get("places")
    return places.units if places is not None else {}


# --- citizens --------------------------------------------------------------------------------


async def start(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    if msg.payload not in (None, ASK):
        return None
    sc = await service_context(ctx)
    question = await service.open_question(sc)
    if question is not None:
        ctx.state.clear()
        return [
            Reply(
                text=_(
                    "You already have an open question to the officers of {unit}. Write here "
                    "and I will add it to your question.",
                    unit=unit_name(_units(ctx), question.unit_id),
                ),
                buttons=_open_buttons(),
            )
        ]
    if ctx.services.get("places") is None:
        return None
    remembered = await service.remembered_units(sc)
    ctx.state.go(UNIT_STATE)
    if remembered:
        buttons = [Button(unit_label(_units(ctx)[u]), f"{UNIT_PREFIX}{u}") for u in remembered]
        return [
            Reply(
                text=_(
                    "🙋 I will pass your question to the officers of your commune or ward. "
                    "Which one? Choose below, or type its name."
                ),
                buttons=rows(
                    *buttons,
                    Button(_("🔎 Another commune or ward"), FIND),
                    Button(_("📖 Back to the menu"), "menu"),
                ),
            )
        ]
    return [_where()]


def _where() -> Reply:
    return Reply(
        text=_(
            "🙋 I will pass your question to the officers of your commune or ward. Type its "
            "name (for example: Hoàn Kiếm), or share your location."
        ),
        buttons=(
            (Button(_("📍 Share my location"), kind=ButtonKind.REQUEST_LOCATION),),
            (Button(_("📖 Back to the menu"), "menu"),),
        ),
    )


async def find(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ctx.state.go(UNIT_STATE)
    return [_where()]


async def choosing_unit(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    places = ctx.services.get("places")
    if places is None or msg.payload is not None or msg.command:
        return None
    if msg.location is not None:
        nearest = nearest_points(places, msg.location.latitude, msg.location.longitude, 1)
        if not nearest:
            return [_where()]
        return _write(ctx, nearest[0][0].unit)
    if not msg.text:
        return None
    matches = find_units(places, msg.text)
    if not matches:
        return [
            Reply(
                text=_(
                    "I could not find a commune or ward called “{text}”. Please check the "
                    "spelling, or share your location.",
                    text=msg.text[:60],
                ),
                buttons=_where().buttons,
            )
        ]
    if len(matches) == 1:
        return _write(ctx, matches[0].unit.id)
    buttons = [Button(unit_label(m.unit), f"{UNIT_PREFIX}{m.unit.id}") for m in matches]
    return [
        Reply(
            text=_("Which one do you mean?"),
            buttons=rows(*buttons, Button(_("📖 Back to the menu"), "menu")),
        )
    ]


async def chose_unit(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    unit_id = (msg.payload or "").removeprefix(UNIT_PREFIX)
    if unit_id not in _units(ctx):
        return None
    return _write(ctx, unit_id)


def _write(ctx: Ctx, unit_id: str) -> list[Reply]:
    ctx.state.go(WRITE_STATE, unit=unit_id)
    return [
        Reply(
            text=(
                _(
                    "Please write your question to the officers of {unit} in one message, in "
                    "your own words. If a screen shows an error, you can also send a photo of "
                    "it.",
                    unit=unit_name(_units(ctx), unit_id),
                )
                if _photos_reach_us(ctx)
                else _(
                    "Please write your question to the officers of {unit} in one message, in "
                    "your own words. If a screen shows an error, copy its words.",
                    unit=unit_name(_units(ctx), unit_id),
                )
            )
            + "\n\n"
            + _("Please do not write passwords or codes sent to your phone."),
            buttons=rows(Button(_("📖 Back to the menu"), "menu")),
        )
    ]


def _expect(ctx: Ctx, unit_id: str) -> str:
    settings = _settings(ctx)
    found = hours.expect(
        hours.office_hours(ctx.services.get("places"), unit_id, settings.office_hours),
        ctx.now(),
        ctx.config.tz,
    )
    if found.open_now and found.until is not None:
        return _(
            "The officers are at work now, until {time}: they usually answer the same day.",
            time=found.until.strftime("%H:%M"),
        )
    if found.tomorrow:
        return _("The office is closed now. Expect an answer tomorrow morning.")
    if found.next_day is not None and found.next_day == ctx.now().astimezone(ctx.config.tz).date():
        return _(
            "The office opens at {time} today. Expect an answer this morning.",
            time=found.opens.strftime("%H:%M") if found.opens else "",
        )
    if found.next_day is not None:
        from bot.i18n import format_date

        return _(
            "The office is closed now. Expect an answer on {day} morning.",
            day=format_date(found.next_day, "EEEE"),
        )
    return _("An officer will answer as soon as they can.")


async def writing(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    if msg.payload is not None or msg.command:
        return None
    photo = msg.photo if msg.photo is not None and _photos_reach_us(ctx) else None
    if msg.unreadable or (msg.photo is not None and photo is None):
        return [
            Reply(
                text=_("I can only pass on text here. Please describe what you see in words."),
                buttons=rows(Button(_("📖 Back to the menu"), "menu")),
            )
        ]
    if not msg.text and photo is None:
        return None
    unit_id = ctx.state.data.get("unit", "")
    sc = await service_context(ctx)
    try:
        question = await service.ask(
            sc,
            _settings(ctx),
            unit_id,
            photo.caption if photo is not None else msg.text,
            channel=ctx.user.channel,
            chat_id=msg.chat_id,
            locale=ctx.locale,
            photo_id=photo.file_id if photo is not None else None,
        )
    except Refused as e:
        ctx.state.clear()
        return [menu.menu_reply(ctx, render(e))]
    ctx.state.clear()
    return [
        Reply(
            text=_(
                "✅ I have sent your question to the officers of {unit}.",
                unit=unit_name(_units(ctx), question.unit_id),
            )
            + " "
            + _expect(ctx, question.unit_id)
            + "\n\n"
            + _(
                "Their answer will come here. Until your question is closed, what you write "
                "here is added to it."
            ),
            buttons=_open_buttons(),
        )
    ]


async def follow_up(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    """Free text (or, where the channel passes pictures on, a photo) while the citizen's
    question is open: added to it, not searched."""
    photo = msg.photo if msg.photo is not None and _photos_reach_us(ctx) else None
    if (not msg.text and photo is None) or msg.command:
        return None
    sc = await service_context(ctx)
    if sc.actor.is_officer:
        return None  # an officer's own free text is never a citizen's follow-up
    question = await service.add(
        sc,
        _settings(ctx),
        photo.caption if photo is not None else msg.text,
        photo.file_id if photo is not None else None,
    )
    if question is None:
        return None
    return [
        Reply(
            text=_(
                "✅ Added to your question to the officers of {unit}.",
                unit=unit_name(_units(ctx), question.unit_id),
            ),
            buttons=_open_buttons(),
        )
    ]


async def close_mine(msg: Incoming, ctx: Ctx) -> list[Reply]:
    question = await service.close_mine(await service_context(ctx))
    ctx.state.clear()
    if question is None:
        return [menu.menu_reply(ctx, _("You have no open question."))]
    return [
        menu.menu_reply(
            ctx,
            _("Your question is closed. Thank you! You can ask again at any time."),
        )
    ]


async def rate(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    parts = (msg.payload or "").removeprefix(RATE_PREFIX).split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    try:
        await service.rate(await service_context(ctx), int(parts[0]), int(parts[1]))
    except Refused as e:
        return [menu.menu_reply(ctx, render(e))]
    return [menu.menu_reply(ctx, _("Thank you for your rating!"))]


# --- officers --------------------------------------------------------------------------------


def _back() -> tuple[Button, ...]:
    return (Button(_("⬅️ Officer tools"), "ofc"), Button(_("🏠 Main menu"), "menu"))


def _waiting(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return ngettext("waiting {n} minute", "waiting {n} minutes", minutes)
    return ngettext("waiting {n} hour", "waiting {n} hours", minutes // 60)


def _short(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


@officer_action
async def show_queue(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    if msg.payload not in (None, QUEUE):
        return None
    items = await service.queue(await service_context(ctx))
    ctx.state.clear()
    lines = [_("📨 Questions from citizens, oldest first:")]
    buttons = []
    for item in items:
        who = (
            _("taken by you")
            if item.taken_by_me
            else _("taken by {who}", who=item.taken_by)
            if item.taken_by
            else _("nobody has taken it")
        )
        state = _("answered") if item.answered else _waiting(item.waiting)
        lines.append(
            f"#{item.id} · {unit_name(_units(ctx), item.unit_id)} · {state} · {who}\n"
            f"  “{_short(item.first_text)}”" + (" 📷" * min(item.photos, 3))
        )
        buttons.append(Button(_("📨 Open #{id}", id=item.id), f"{OPEN_PREFIX}{item.id}"))
    if not items:
        lines.append(_("No open questions. Well done!"))
    return [
        Reply(
            text="\n".join(lines), buttons=rows(*buttons, *_back()), edit=msg.payload is not None
        )
    ]


def _id(payload: str | None, prefix: str) -> int | None:
    rest = (payload or "").removeprefix(prefix).split(":")[0]
    return int(rest) if rest.isdigit() and len(rest) < 12 else None


def _canned(ctx: Ctx, unit_id: str) -> tuple[canned.Canned, ...]:
    return canned.for_unit(ctx.services.get(CANNED_SERVICE) or {}, unit_id)


async def _conversation(
    ctx: Ctx, question_id: int, note: str | None = None, *, with_photos: bool = False
) -> list[Reply]:
    """The question as the officer sees it; `with_photos` (when it is opened) sends the
    citizen's latest photos too, not again after each action."""
    found = await service.conversation(await service_context(ctx), question_id)
    q = found.question
    lines = [
        _(
            "📨 Question #{id} · {unit} · asked {time}",
            id=q.id,
            unit=unit_name(_units(ctx), q.unit_id),
            time=format_time(q.created_at)
            + " "
            + q.created_at.astimezone(ctx.config.tz).strftime("%d/%m"),
        )
    ]
    if q.status != "open":
        lines.append(_("Closed."))
    elif found.taken_by_me:
        lines.append(_("You took this question."))
    elif found.taken_by:
        lines.append(_("Taken by {who}.", who=found.taken_by))
    else:
        lines.append(_("Nobody has taken it yet."))
    lines.append("")
    shown = found.messages[-SHOWN_MESSAGES:]
    for m in shown:
        author = _("👤 Citizen") if m.author == CITIZEN else _("🧑‍💼 Officer")
        said = " ".join(x for x in (_("📷 [photo]") if m.photo_id else "", m.text) if x)
        lines.append(f"{author} ({format_time(m.created_at)}): {said}")
    # The citizen's photos, passed on where this officer's channel holds them (the question's
    # own channel); elsewhere the officer pages show them.
    photos = [m for m in shown if m.photo_id][-SHOWN_PHOTOS:]
    passed_on = ctx.user.channel == q.channel
    if photos and not passed_on:
        lines.append(_("📷 The citizen sent a photo: see it on the officer pages (/web)."))
    if note:
        lines += ["", note]
    buttons: list[Button] = []
    if q.status == "open":
        if not found.taken_by:
            buttons.append(Button(_("✋ Take it"), f"{TAKE}{q.id}"))
        buttons.append(Button(_("✍️ Answer"), f"{ANSWER}{q.id}"))
        for i, answer in enumerate(_canned(ctx, q.unit_id)[:CANNED_SHOWN]):
            buttons.append(Button(f"💬 {answer.title}", f"{CANNED}{q.id}:{i}"))
        if not q.suggested:
            buttons.append(Button(_("📚 Suggest as a new guide"), f"{SUGGEST}{q.id}"))
        buttons.append(Button(_("✅ Close the question"), f"{CLOSE}{q.id}"))
    buttons.append(Button(_("📨 Questions from citizens"), QUEUE))
    pictures = [
        Reply(text=_("📷 Photo from the citizen, question #{id}", id=q.id), photo_id=m.photo_id)
        for m in photos
        if passed_on and with_photos
    ]
    return [*pictures, Reply(text="\n".join(lines), buttons=rows(*buttons))]


@officer_action
async def open_question(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    question_id = _id(msg.payload, OPEN_PREFIX)
    if question_id is None:
        return None
    ctx.state.clear()
    return await _refusable(
        ctx, question_id, lambda: _conversation(ctx, question_id, with_photos=True)
    )


async def _refusable(ctx: Ctx, question_id: int, act) -> list[Reply]:
    try:
        return await act()
    except Refused as e:
        return [
            Reply(
                text=render(e),
                buttons=rows(Button(_("📨 Questions from citizens"), QUEUE), *_back()),
            )
        ]


@officer_action
async def take(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    question_id = _id(msg.payload, TAKE)
    if question_id is None:
        return None

    async def act() -> list[Reply]:
        await service.take(await service_context(ctx), question_id)
        return await _conversation(ctx, question_id, _("✋ You took this question."))

    return await _refusable(ctx, question_id, act)


@officer_action
async def start_answer(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    question_id = _id(msg.payload, ANSWER)
    if question_id is None:
        return None

    async def act() -> list[Reply]:
        found = await service.conversation(await service_context(ctx), question_id)
        if found.question.status != "open":
            raise Refused("handoff.closed")
        ctx.state.go(ANSWER_STATE, question=question_id)
        return [
            Reply(
                text=_(
                    "✍️ Write your answer to question #{id}. Each message you send goes to the "
                    "citizen. Press “Done” when you have finished.",
                    id=question_id,
                ),
                buttons=rows(
                    Button(_("✔️ Done"), f"{OPEN_PREFIX}{question_id}"),
                    Button(_("✅ Close the question"), f"{CLOSE}{question_id}"),
                ),
            )
        ]

    return await _refusable(ctx, question_id, act)


@officer_action
async def answering(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    if msg.payload is not None or msg.command:
        return None
    question_id = int(ctx.state.data.get("question", 0))
    if not msg.text:
        return [Reply(text=_("Please write your answer as text."))]

    async def act() -> list[Reply]:
        await service.answer(
            await service_context(ctx), _settings(ctx), question_id, msg.text or ""
        )
        return [
            Reply(
                text=_("✅ Sent to the citizen. Write more, or press “Done”."),
                buttons=rows(
                    Button(_("✔️ Done"), f"{OPEN_PREFIX}{question_id}"),
                    Button(_("✅ Close the question"), f"{CLOSE}{question_id}"),
                ),
            )
        ]

    try:
        return await act()
    except Refused as e:
        ctx.state.clear()
        return [
            Reply(text=render(e), buttons=rows(Button(_("📨 Questions from citizens"), QUEUE)))
        ]


@officer_action
async def send_canned(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    parts = (msg.payload or "").removeprefix(CANNED).split(":")
    if len(parts) != 2 or not all(p.isdigit() and len(p) < 12 for p in parts):
        return None
    question_id, index = int(parts[0]), int(parts[1])

    async def act() -> list[Reply]:
        sc = await service_context(ctx)
        found = await service.conversation(sc, question_id)
        answers = _canned(ctx, found.question.unit_id)
        if index >= len(answers):
            return await _conversation(ctx, question_id)
        text = answers[index].text(found.question.locale, ctx.config.bot.default_locale)
        await service.answer(sc, _settings(ctx), question_id, text)
        return await _conversation(ctx, question_id, _("✅ Sent to the citizen."))

    return await _refusable(ctx, question_id, act)


@officer_action
async def suggest(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    question_id = _id(msg.payload, SUGGEST)
    if question_id is None:
        return None

    async def act() -> list[Reply]:
        await service.suggest_guide(await service_context(ctx), question_id)
        return await _conversation(
            ctx,
            question_id,
            _("📚 Kept for the guide editors, without the citizen's name or number."),
        )

    return await _refusable(ctx, question_id, act)


@officer_action
async def close(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    question_id = _id(msg.payload, CLOSE)
    if question_id is None:
        return None

    async def act() -> list[Reply]:
        await service.close(await service_context(ctx), _settings(ctx), question_id)
        ctx.state.clear()
        return await _conversation(ctx, question_id, _("✅ Closed. The citizen has been told."))

    return await _refusable(ctx, question_id, act)


@officer_action
async def numbers(msg: Incoming, ctx: Ctx) -> list[Reply]:
    found = await service.numbers(await service_context(ctx))
    lines = [_("🙋 Questions from citizens, per commune or ward:")]
    for n in found:
        median = _("{n} min", n=f"{n.median_minutes:.0f}") if n.median_minutes is not None else "–"
        lines.append(
            _(
                "• {unit}: {asked} asked · {answered} answered · first answer after {median} "
                "(median) · {late} without an answer after 24 h",
                unit=unit_name(_units(ctx), n.unit_id),
                asked=n.asked,
                answered=n.answered,
                median=median,
                late=n.unanswered_24h,
            )
        )
    if not found:
        lines.append(_("No questions yet."))
    lines.append(_("The full table is “trolyso report handoff”."))
    return [
        Reply(
            text="\n".join(lines),
            buttons=rows(Button(_("📊 Bookings"), "stat"), *_back()),
            edit=True,
        )
    ]


router.payload(ASK, start, always=True)
router.payload(FIND, find)
router.payload(UNIT_PREFIX, chose_unit)
router.state(UNIT_STATE, choosing_unit)
router.state(WRITE_STATE, writing)
router.state(ANSWER_STATE, answering)
router.text(follow_up)
router.photo = follow_up
router.payload(CLOSE_MINE, close_mine, always=True)
router.payload(RATE_PREFIX, rate, always=True)
router.payload(QUEUE, show_queue, always=True)
router.payload(OPEN_PREFIX, open_question, always=True)
router.payload(TAKE, take, always=True)
router.payload(ANSWER, start_answer, always=True)
router.payload(CANNED, send_canned, always=True)
router.payload(SUGGEST, suggest, always=True)
router.payload(CLOSE, close, always=True)
router.payload(NUMBERS, numbers, always=True)


async def setup(core: Core) -> None:
    core.services[CANNED_SERVICE] = canned.load(core.config.path("paths.content"))
    jobs.install(core)
