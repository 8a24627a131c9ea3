"""A citizen's news: "🔔 Get news from …" after booking, "📰 News from my ward" in Settings
(which wards, add one by typing its name, stop one), and "no news at all" — `/stop` or the
"🔕 Stop news" button under every broadcast — which works at any time, from anywhere.

These payloads are accepted from anyone (`always=True`): each only changes the presser's own
news, and a unit id is checked against the known units before it is stored.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.broadcasts import subscriptions
from bot.broadcasts.texts import STOP_NEWS
from bot.ctx import Ctx, SettingEntry
from bot.db.booking_models import Booking
from bot.i18n import N_, _
from bot.officers.units import known_units
from bot.points.find import find_units
from bot.points.model import Unit
from bot.points.names import unit_label
from bot.router import Router
from bot.services.errors import Refused
from bot.types import Button, Incoming, Reply, rows
from handlers.services import render, service_context

router = Router()
STATE = "news"
PAGE = "news"
SUBSCRIBE, UNSUBSCRIBE = "news:sub:", "news:un:"
ADD, ON = "news:add", "news:on"


def _units(ctx: Ctx) -> dict[str, Unit]:
    return dict(known_units(ctx.services, ctx.config.path("paths.content")))


def _label(ctx: Ctx, unit_id: str) -> str:
    unit = _units(ctx).get(unit_id)
    return unit_label(unit) if unit else unit_id


def _subscribe_button(ctx: Ctx, unit_id: str) -> Button | None:
    payload = SUBSCRIBE + unit_id
    if len(payload.encode()) > 64:
        return None
    return Button(_("🔔 Get news from {unit}", unit=_label(ctx, unit_id)), payload)


# --- Settings ------------------------------------------------------------------------------


async def describe(ctx: Ctx) -> str:
    off, units = await subscriptions.mine(await service_context(ctx))
    if off:
        return _("News: off (you asked for no news)")
    if not units:
        return _("News from a ward: none yet")
    return _("News from: {units}", units=", ".join(_label(ctx, u) for u in units))


SETTING = SettingEntry(PAGE, N_("📰 News from my ward"), describe)


async def _booked_units(ctx: Ctx) -> list[str]:
    """Units of the points the user booked at: the wards they most likely want news from."""
    places = ctx.services.get("places")
    if places is None:
        return []
    point_ids = (
        await ctx.session.scalars(
            select(Booking.point_id).distinct().where(Booking.user_id == ctx.user.id)
        )
    ).all()
    units = [places.points[p].unit for p in point_ids if p in places.points]
    return sorted(set(units))


async def page(ctx: Ctx, note: str | None = None, *, edit: bool = False) -> Reply:
    off, units = await subscriptions.mine(await service_context(ctx))
    lines = [note] if note else []
    if units:
        lines.append(
            _("You asked for news from: {units}.", units=", ".join(_label(ctx, u) for u in units))
        )
    else:
        lines.append(_("You get no news from any ward or commune yet."))
    if off:
        lines.append(_("🔕 All news is off: you get no news at all, even from these."))
    lines.append(_("Reminders about your own visits come either way."))
    buttons = [
        Button(_("🔕 No more news from {unit}", unit=_label(ctx, u)), UNSUBSCRIBE + u)
        for u in units
        if len((UNSUBSCRIBE + u).encode()) <= 64
    ]
    for unit_id in await _booked_units(ctx):
        button = _subscribe_button(ctx, unit_id)
        if unit_id not in units and button is not None:
            buttons.append(button)
    buttons.append(Button(_("➕ Get news from another ward or commune"), ADD))
    buttons.append(
        Button(_("🔔 Turn news back on"), ON) if off else Button(_("🔕 Stop all news"), STOP_NEWS)
    )
    buttons += [Button(_("⚙️ Settings"), "set"), Button(_("🏠 Main menu"), "menu")]
    return Reply(text="\n".join(lines), buttons=rows(*buttons), edit=edit)


async def show_page(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    if msg.payload != PAGE:
        return None
    ctx.state.clear()
    return [await page(ctx, edit=True)]


# --- changing it ---------------------------------------------------------------------------


async def stop(msg: Incoming, ctx: Ctx) -> list[Reply]:
    """/stop or "🔕 Stop news": no broadcast reaches this person from now on."""
    ctx.state.clear()
    await subscriptions.stop_all(await service_context(ctx))
    text = _(
        "🔕 Done: you will get no more news from wards, communes or support points. "
        "Reminders about your own visits still come. You can turn news back on at any "
        "time in ⚙️ Settings."
    )
    return [
        Reply(
            text=text,
            buttons=rows(Button(_("🔔 Turn news back on"), ON), Button(_("🏠 Main menu"), "menu")),
        )
    ]


async def turn_on(msg: Incoming, ctx: Ctx) -> list[Reply]:
    await subscriptions.turn_on(await service_context(ctx))
    return [await page(ctx, _("🔔 News is on again."))]


async def subscribe(msg: Incoming, ctx: Ctx) -> list[Reply]:
    unit_id = (msg.payload or "").removeprefix(SUBSCRIBE)
    try:
        return [await _subscribe(msg, ctx, unit_id)]
    except Refused as e:
        return [await page(ctx, render(e))]


async def _subscribe(msg: Incoming, ctx: Ctx, unit_id: str) -> Reply:
    await subscriptions.subscribe(await service_context(ctx), unit_id, msg.chat_id, ctx.locale)
    ctx.state.clear()
    return await page(
        ctx,
        _(
            "🔔 Done: you will get news from {unit}. To stop, type /stop.",
            unit=_label(ctx, unit_id),
        ),
    )


async def unsubscribe(msg: Incoming, ctx: Ctx) -> list[Reply]:
    unit_id = (msg.payload or "").removeprefix(UNSUBSCRIBE)
    removed = await subscriptions.unsubscribe(await service_context(ctx), unit_id)
    note = (
        _("Done: no more news from {unit}.", unit=_label(ctx, unit_id))
        if removed
        else _("You were not getting news from there, so nothing changed.")
    )
    return [await page(ctx, note, edit=True)]


async def ask_ward(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ctx.state.go(f"{STATE}.ward")
    return [_ask_ward(None)]


def _ask_ward(problem: str | None) -> Reply:
    text = _("Type the name of the ward or commune (for example: Cầu Giấy).")
    return Reply(
        text=f"{problem}\n\n{text}" if problem else text,
        buttons=rows(Button(_("⬅️ Back"), PAGE), Button(_("🏠 Main menu"), "menu")),
    )


async def on_ward(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    if msg.payload is not None:
        return None
    typed = " ".join((msg.text or "").split())
    if not typed or msg.command:
        return [_ask_ward(_("Please type a name."))]
    places = ctx.services.get("places")
    matches = find_units(places, typed) if places is not None else []
    if len(matches) == 1:
        return [await _subscribe(msg, ctx, matches[0].unit.id)]
    if matches:
        buttons = [b for m in matches if (b := _subscribe_button(ctx, m.unit.id))]
        return [
            Reply(
                text=_("Which one do you mean?"), buttons=rows(*buttons, Button(_("⬅️ Back"), PAGE))
            )
        ]
    return [_ask_ward(_("I could not find a ward or commune called “{text}”.", text=typed[:60]))]


# --- after booking -------------------------------------------------------------------------


async def offer_after_booking(ctx: Ctx, booking: Booking) -> list[Button]:
    """ "🔔 Get news from <the ward of the point>" under a new booking, unless already asked."""
    places = ctx.services.get("places")
    point = places.points.get(booking.point_id) if places is not None else None
    if point is None or point.unit in (await subscriptions.mine(await service_context(ctx)))[1]:
        return []
    button = _subscribe_button(ctx, point.unit)
    return [button] if button is not None else []


router.command("stop", stop)
router.state(STATE, on_ward)
router.payload(PAGE, show_page, always=True)
router.payload(STOP_NEWS, stop, always=True)
router.payload(ON, turn_on, always=True)
router.payload(SUBSCRIBE, subscribe, always=True)
router.payload(UNSUBSCRIBE, unsubscribe, always=True)
router.payload(ADD, ask_ward, always=True)
