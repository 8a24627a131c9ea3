"""Officer broadcasts: "📣 Broadcast" in the officer menu — write the text → choose who gets
it (subscribers of my wards, visitors booked at one of my points or in one session, everyone
for admins) → a preview with the exact number of recipients and the message as they will
read it → confirm → queued through the outbox, audited. Progress and the final report reach
the officer as messages (bot/broadcasts/progress.py).

Every "bc…" payload is accepted from anyone (`always=True`) and checked here, server-side:
a citizen, an officer choosing another unit's audience, or a non-admin choosing everyone is
refused politely, whether the button was shown or forged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.booking import texts as booking_texts
from bot.broadcasts import filter as send_filter
from bot.broadcasts import progress, service, texts
from bot.broadcasts.audience import Audience, Reach
from bot.broadcasts.queue import MAX_TEXT_CHARS
from bot.broadcasts.service import UnknownTarget
from bot.ctx import Ctx, OfficerEntry
from bot.db.booking_models import BookingSession
from bot.i18n import N_, _, ngettext
from bot.ids import parse_id
from bot.officers.units import known_units
from bot.points.model import Places, Point, Unit
from bot.points.names import unit_label
from bot.router import Router
from bot.services.actor import Actor
from bot.types import Button, Incoming, Reply, rows
from handlers.officer import officer_action
from handlers.services import actor, render, service_context

if TYPE_CHECKING:
    from bot.core import Core

router = Router()
STATE = "broadcast"
OPEN = "bc"
AUDIENCE = "bc:aud"
UNIT, ALL_MY_UNITS = "bc:u:", "bc:u*"
POINTS, POINT = "bc:pts", "bc:p:"
SESSION_POINTS, SESSION_POINT, SESSION = "bc:sps", "bc:sp:", "bc:s:"
EVERYONE = "bc:all"
CONFIRM, CANCEL = "bc:go", "bc:x"

MENU_ENTRY = OfficerEntry(OPEN, N_("📣 Broadcast"))


def _nav() -> tuple[Button, ...]:
    return (Button(_("✖️ Cancel"), CANCEL), Button(_("⬅️ Officer tools"), "ofc"))


def _units(ctx: Ctx) -> dict[str, Unit]:
    return dict(known_units(ctx.services, ctx.config.path("paths.content")))


def _places(ctx: Ctx) -> Places | None:
    return ctx.services.get("places")


def _unit_name(ctx: Ctx, unit_id: str) -> str:
    unit = _units(ctx).get(unit_id)
    return unit_label(unit) if unit else unit_id


# --- describing an audience (authorised by bot/broadcasts/service.py) ---------------------


def _point(ctx: Ctx, point_id: str) -> Point:
    places = _places(ctx)
    point = places.points.get(point_id) if places else None
    if point is None:
        raise UnknownTarget()
    return point


async def _session(ctx: Ctx, session_id: object) -> BookingSession:
    found = parse_id(str(session_id))
    row = await ctx.session.get(BookingSession, found) if found is not None else None
    if row is None:
        raise UnknownTarget()
    return row


async def sender_of(ctx: Ctx, audience: Audience) -> Callable[[], texts.Sender]:
    """Who the message is from, rendered later in each recipient's language."""
    if audience.kind == "units":
        units = _units(ctx)
        return lambda: texts.Sender("units", tuple(unit_label(units[u]) for u in audience.target))
    if audience.kind == "point":
        name = _point(ctx, str(audience.target[0])).name
        return lambda: texts.Sender("point", (name,))
    if audience.kind == "session":
        row = await _session(ctx, audience.target[0])
        name = _point(ctx, row.point_id).name if _places(ctx) else row.point_id
        return lambda: texts.Sender(
            "session", (name,), booking_texts.when(row.starts_at, row.ends_at)
        )
    return lambda: texts.Sender("everyone")


async def describe(ctx: Ctx, audience: Audience) -> str:
    if audience.kind == "units":
        return _(
            "Subscribers of {units}",
            units=", ".join(_unit_name(ctx, str(u)) for u in audience.target),
        )
    if audience.kind == "point":
        return _("Visitors booked at {point}", point=_point(ctx, str(audience.target[0])).name)
    if audience.kind == "session":
        row = await _session(ctx, audience.target[0])
        return _(
            "Visitors booked at {point}, {when}",
            point=_point(ctx, row.point_id).name,
            when=booking_texts.when(row.starts_at, row.ends_at),
        )
    return _("Everyone who uses the bot")


# --- the dialog ------------------------------------------------------------------------------


def _draft(ctx: Ctx) -> str | None:
    """The text being composed, if this person is in the broadcast dialog."""
    if not ctx.state.name.startswith(STATE):
        return None
    text = ctx.state.data.get("text")
    return text if isinstance(text, str) and text.strip() else None


def _gone(ctx: Ctx) -> list[Reply]:
    ctx.state.clear()
    return [
        Reply(
            text=_(
                "This broadcast is no longer open, so nothing was sent. You can start a new one:"
            ),
            buttons=rows(Button(_("📣 Broadcast"), OPEN), Button(_("🏠 Main menu"), "menu")),
        )
    ]


@officer_action
async def open_dialog(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    (await actor(ctx)).require_officer()
    if msg.payload != OPEN:
        return None  # a "bc…" payload nobody built: the router calls it stale
    ctx.state.clear()
    ctx.state.go(f"{STATE}.text")
    return [_ask_text(None)]


def _ask_text(problem: str | None) -> Reply:
    text = _(
        "Write the message for citizens, at most {n} characters. Before anything is "
        "sent, I will show you who gets it and how it looks.",
        n=MAX_TEXT_CHARS,
    )
    return Reply(text=f"{problem}\n\n{text}" if problem else text, buttons=(_nav(),))


@officer_action
async def on_message(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    """Typed text while in the dialog: the message to send (a new text replaces the old)."""
    if msg.payload is not None:
        return None  # buttons go to their own handlers
    if msg.text is None or msg.command:
        return [_ask_text(_("Please type the message as text."))]
    text = msg.text.strip()
    if not text:
        return [_ask_text(_("The message is empty."))]
    if len(text) > MAX_TEXT_CHARS:
        return [
            _ask_text(
                _(
                    "Your message has {length} characters; a broadcast may have at "
                    "most {n}. Please shorten it and send it again — nothing was "
                    "sent.",
                    length=len(text),
                    n=MAX_TEXT_CHARS,
                )
            )
        ]
    ctx.state.data["text"] = text
    chosen = Audience.from_json(ctx.state.data.get("audience"))
    if chosen is not None:
        return await _preview(msg, ctx, chosen)
    return await _audience_choice(ctx)


@officer_action
async def choose_audience(msg: Incoming, ctx: Ctx) -> list[Reply]:
    (await actor(ctx)).require_officer()
    if _draft(ctx) is None:
        return _gone(ctx)
    return await _audience_choice(ctx, edit=True)


async def _audience_choice(ctx: Ctx, *, edit: bool = False) -> list[Reply]:
    officer = (await actor(ctx)).require_officer()
    ctx.state.go(f"{STATE}.audience")
    ctx.state.data.pop("audience", None)
    buttons = [
        Button(_("📬 Subscribers of {unit}", unit=_unit_name(ctx, u)), UNIT + u)
        for u in officer.sorted_units
        if len((UNIT + u).encode()) <= 64
    ]
    if len(officer.sorted_units) > 1:
        buttons.append(Button(_("📬 Subscribers of all my communes and wards"), ALL_MY_UNITS))
    if await service.my_points(await service_context(ctx)):
        buttons.append(Button(_("📍 Visitors booked at a point"), POINTS))
        buttons.append(Button(_("🗓 Visitors of one session"), SESSION_POINTS))
    if officer.is_admin:
        buttons.append(Button(_("🌏 Everyone who uses the bot"), EVERYONE))
    return [
        Reply(
            text=_("Who should get this message?"), buttons=rows(*buttons) + (_nav(),), edit=edit
        )
    ]


@officer_action
async def choose_point(msg: Incoming, ctx: Ctx) -> list[Reply]:
    (await actor(ctx)).require_officer()
    if _draft(ctx) is None:
        return _gone(ctx)
    prefix = POINT if msg.payload == POINTS else SESSION_POINT
    buttons = [
        Button(f"📍 {p.name}"[:60], prefix + p.id)
        for p in await service.my_points(await service_context(ctx))
    ]
    return [
        Reply(
            text=_("Which support point?"),
            buttons=rows(*buttons) + ((Button(_("⬅️ Back"), AUDIENCE),), _nav()),
            edit=True,
        )
    ]


@officer_action
async def choose_session(msg: Incoming, ctx: Ctx) -> list[Reply]:
    point_id = (msg.payload or "").removeprefix(SESSION_POINT)
    try:
        point, choices = await service.sessions_of(await service_context(ctx), point_id)
    except UnknownTarget:
        return [_unknown(ctx)]
    if _draft(ctx) is None:
        return _gone(ctx)
    buttons = [
        Button(
            _("{when} · {n} booked", when=booking_texts.moment(c.starts_at), n=c.booked),
            f"{SESSION}{c.session_id}",
        )
        for c in choices
    ]
    text = (
        _("Which session of {point}?", point=point.name)
        if choices
        else _("{point} has no sessions coming up.", point=point.name)
    )
    return [
        Reply(
            text=text,
            buttons=rows(*buttons) + ((Button(_("⬅️ Back"), AUDIENCE),), _nav()),
            edit=True,
        )
    ]


def _audience_of(payload: str, officer: Actor) -> Audience:
    if payload == EVERYONE:
        return Audience("everyone")
    if payload == ALL_MY_UNITS:
        return Audience("units", tuple(officer.sorted_units))
    if payload.startswith(UNIT):
        return Audience("units", (payload.removeprefix(UNIT),))
    if payload.startswith(POINT):
        return Audience("point", (payload.removeprefix(POINT),))
    return Audience("session", (payload.removeprefix(SESSION),))


@officer_action
async def audience_chosen(msg: Incoming, ctx: Ctx) -> list[Reply]:
    officer = (await actor(ctx)).require_officer()
    audience = _audience_of(msg.payload or "", officer)
    try:
        await service.authorise(await service_context(ctx), audience)
    except UnknownTarget:
        return [_unknown(ctx)]
    if _draft(ctx) is None:
        return _gone(ctx)
    return await _preview(msg, ctx, audience)


def _paid(ctx: Ctx, reach: Reach) -> list[str]:
    """The cost of the paid messages, when a channel sends broadcasts as paid ones (only
    people reachable now are sent to)."""
    if not service.pays_for_broadcasts(ctx.config):
        return []
    return [
        ngettext(
            "Paid sending: {count} message at 0.1 Stars each, about {stars} Stars "
            "(only messages delivered are charged).",
            "Paid sending: {count} messages at 0.1 Stars each, about {stars} Stars "
            "(only messages delivered are charged).",
            cost.messages,
            count=texts.number(cost.messages),
            stars=texts.number(cost.stars),
        )
        for cost in service.paid_costs(reach.now, ctx.config)
    ]


async def _preview(msg: Incoming, ctx: Ctx, audience: Audience) -> list[Reply]:
    try:
        reach = await service.reach_now(
            await service_context(ctx),
            audience,
            ctx.config.bot.default_locale,
            lambda channel: ctx.core.profile(channel).policy,
        )
        n = reach.total
        who = await describe(ctx, audience)
        sender = await sender_of(ctx, audience)
    except UnknownTarget:
        return [_unknown(ctx)]
    ctx.state.go(f"{STATE}.preview", audience=audience.to_json(), count=n)
    body, _buttons = texts.citizen_message(sender(), ctx.state.data["text"])
    change = (Button(_("👥 Choose who gets it"), AUDIENCE),)
    if n == 0:
        text = _(
            "{who}: nobody to send to yet (no one has subscribed or booked, or they "
            "turned news off). Choose someone else, or cancel.",
            who=who,
        )
        return [Reply(text=text, buttons=(change, _nav()), edit=msg.payload is not None)]
    lines = [
        ngettext(
            "Preview. {who}: this message will go to {count} person.",
            "Preview. {who}: this message will go to {count} people.",
            n,
            who=who,
            count=texts.number(n),
        ),
        *texts.reach_lines(reach, lambda channel: ctx.core.profile(channel).label),
        *texts.left_out_lines(reach),
        *_paid(ctx, reach),
        _("It will look like this:"),
        "",
        body,
        "",
        _("To change the text, just send a new one."),
    ]
    send_button = (
        Button(
            ngettext(
                "✅ Send to {count} person", "✅ Send to {count} people", n, count=texts.number(n)
            ),
            CONFIRM,
        ),
    )
    return [
        Reply(
            text="\n".join(lines),
            buttons=(send_button, change, _nav()),
            edit=msg.payload is not None,
        )
    ]


@officer_action
async def confirm(msg: Incoming, ctx: Ctx) -> list[Reply]:
    (await actor(ctx)).require_officer()
    text = _draft(ctx)
    audience = Audience.from_json(ctx.state.data.get("audience"))
    if text is None or audience is None or not ctx.state.name.endswith(".preview"):
        return _gone(ctx)
    try:
        sender = await sender_of(ctx, audience)
        broadcast = await service.send_broadcast(
            await service_context(ctx),
            audience,
            text,
            sender,
            reply_to=(msg.channel, msg.chat_id, ctx.locale),
            default_locale=ctx.config.bot.default_locale,
        )
    except UnknownTarget:
        return [_unknown(ctx)]
    previewed = ctx.state.data.get("count")
    ctx.state.clear()
    if broadcast is None:
        return [
            Reply(
                text=_(
                    "Nobody is left to send to (they turned news off meanwhile), so "
                    "nothing was sent."
                ),
                buttons=_done_buttons(),
                edit=True,
            )
        ]
    lines = [
        ngettext(
            "✅ Broadcast no. {id} is queued for {count} person.",
            "✅ Broadcast no. {id} is queued for {count} people.",
            broadcast.recipients,
            id=broadcast.id,
            count=texts.number(broadcast.recipients),
        )
    ]
    if previewed != broadcast.recipients:
        lines.append(
            _(
                "(The preview said {n}: some people subscribed or turned news off meanwhile.)",
                n=texts.number(previewed or 0),
            )
        )
    lines.append(
        _(
            "I will tell you here how it goes, at most every {s} seconds, and send a "
            "report when it is finished.",
            s=progress.every_seconds(ctx.config),
        )
    )
    return [Reply(text="\n".join(lines), buttons=_done_buttons(), edit=True)]


@officer_action
async def cancel(msg: Incoming, ctx: Ctx) -> list[Reply]:
    (await actor(ctx)).require_officer()
    ctx.state.clear()
    return [Reply(text=_("Cancelled: nothing was sent."), buttons=_done_buttons(), edit=True)]


def _done_buttons() -> tuple[tuple[Button, ...], ...]:
    return rows(Button(_("⬅️ Officer tools"), "ofc"), Button(_("🏠 Main menu"), "menu"))


def _unknown(ctx: Ctx) -> Reply:
    return Reply(
        text=render(UnknownTarget()),
        buttons=rows(
            Button(_("👥 Choose who gets it"), AUDIENCE), Button(_("⬅️ Officer tools"), "ofc")
        ),
    )


async def setup(core: Core) -> None:
    send_filter.register(core)
    progress.register(core)


router.state(STATE, on_message)
router.payload(OPEN, open_dialog, always=True)
router.payload(AUDIENCE, choose_audience, always=True)
router.payload(UNIT, audience_chosen, always=True)
router.payload(ALL_MY_UNITS, audience_chosen, always=True)
router.payload(POINT, audience_chosen, always=True)
router.payload(SESSION, audience_chosen, always=True)
router.payload(EVERYONE, audience_chosen, always=True)
router.payload(POINTS, choose_point, always=True)
router.payload(SESSION_POINTS, choose_point, always=True)
router.payload(SESSION_POINT, choose_session, always=True)
router.payload(CONFIRM, confirm, always=True)
router.payload(CANCEL, cancel, always=True)
