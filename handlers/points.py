"""Support points: finding one (typed ward/commune name, shared location, or a list), the point
card (address, accessibility, next sessions, the place as a venue), and `/start p_<point>`
links from the QR posters. Booking itself is the booking feature's: when the menu table wires
in its `start_booking_at(point_id, msg, ctx)` (`handlers.MENUS.book_at`), the card offers "Book a visit here" and shows the
seats left in each session (from the booking feature's slots)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from babel.numbers import format_decimal

from bot.ctx import Ctx, MenuEntry
from bot.i18n import N_, _, current_locale, format_when, ngettext
from bot.ids import parse_id
from bot.points import service as point_service
from bot.points.find import find_units, nearest_points
from bot.points.loader import load_places
from bot.points.model import Places, Point, Unit
from bot.points.names import fold, sort_key, unit_label
from bot.points.sessions import ScheduledSession, upcoming_sessions
from bot.router import Router
from bot.types import Button, ButtonKind, Incoming, Location, Reply, rows
from handlers.services import service_context

if TYPE_CHECKING:
    from bot.core import Core

router = Router()

STATE = "points.find"
DEEP_LINK_PREFIX = "p_"
SESSION_DAYS = 14  # how far ahead the card looks for sessions
SESSIONS_SHOWN = 4
PAGE = 10  # units per page of the A-Z list
# Names are grouped by their first letter; Đ is a letter of its own in Vietnamese.
DD = "dd"


def _visible(ctx: Ctx | None) -> bool:
    return ctx is None or bool(_places(ctx).points)


MENU_ENTRY = MenuEntry(
    "pts",
    N_("📍 Support points"),
    N_("Find a digital-support point near you: its address, opening times and how to get there."),
    visible=_visible,
)


async def setup(core: Core) -> None:
    """Load the places and points; a broken file stops the start with every problem. With
    the guides' content store, they are reloaded with the guides (`trolyso content reload`),
    and a broken edit keeps the last good ones."""
    content_dir = core.config.path("paths.content")
    store = core.services.get("content")
    if store is None:
        core.services["places"] = load_places(content_dir)
    else:
        store.derive("places", lambda _catalogue: load_places(content_dir))


def _places(ctx: Ctx) -> Places:
    return ctx.services["places"]


def _booking(ctx: Ctx):
    """The booking feature's entry point, when the menu table wires one in."""
    return ctx.core.menus.book_at


# --- labels ------------------------------------------------------------------------------


def _letter(unit: Unit) -> str:
    return DD if unit.name.startswith("Đ") else fold(unit.name)[:1]


def _letter_label(letter: str) -> str:
    return "Đ" if letter == DD else letter.upper()


def _nav(*extra: Button) -> tuple[tuple[Button, ...], ...]:
    return rows(*extra, Button(_("🔎 Find another point"), "pts"), Button(_("🏠 Menu"), "menu"))


def _finder_buttons() -> tuple[tuple[Button, ...], ...]:
    return (
        (Button(_("📍 Share my location"), kind=ButtonKind.REQUEST_LOCATION),),
        (Button(_("📋 Wards and communes with a point"), "pts:has"),),
        (Button(_("🔤 All wards and communes, A to Z"), "pts:az"),),
        (Button(_("🏠 Menu"), "menu"),),
    )


# --- the finder --------------------------------------------------------------------------


async def open_finder(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    if msg.payload not in (None, "pts"):
        return None
    ctx.state.go(STATE)
    text = _(
        "Where do you live? Type the name of your ward or commune (for example: Hoàn "
        "Kiếm), share your location, or choose from a list."
    )
    # Not an edit: the location button needs a message of its own on some messengers.
    return [Reply(text=text, buttons=_finder_buttons())]


async def in_finder(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    """While finding: typed text is a place name, a shared location asks for the nearest."""
    if msg.location is not None:
        return _nearest_reply(
            ctx,
            msg.location.latitude,
            msg.location.longitude,
            _("The support points nearest to you:"),
        )
    if msg.text and not msg.command:
        return await _by_name(msg.text, ctx)
    return None


async def _by_name(text: str, ctx: Ctx) -> list[Reply]:
    matches = find_units(_places(ctx), text)
    if not matches:
        return [
            Reply(
                text=_(
                    "I could not find a ward or commune called “{text}”. Please "
                    "check the spelling, or choose from a list.",
                    text=text[:60],
                ),
                buttons=_finder_buttons(),
            )
        ]
    if len(matches) == 1:
        return await _unit_reply(matches[0].unit, ctx)
    buttons = [Button(unit_label(m.unit), f"pts:u:{m.unit.id}") for m in matches]
    return [Reply(text=_("Which one do you mean?"), buttons=_nav(*buttons))]


async def _unit_reply(unit: Unit, ctx: Ctx, edit: bool = False) -> list[Reply]:
    places = _places(ctx)
    points = places.points_of(unit.id)
    if len(points) == 1:
        return await point_card(points[0], ctx)
    if points:
        buttons = [Button(p.name, f"pts:p:{p.id}") for p in points]
        return [
            Reply(
                text=_("Support points in {unit}:", unit=unit_label(unit)),
                buttons=_nav(*buttons),
                edit=edit,
            )
        ]
    text = _(
        "I have no support point for {unit} in my list yet. You can ask at the "
        "People's Committee (UBND) of your ward or commune.",
        unit=unit_label(unit),
    )
    if unit.lat is not None and unit.lon is not None:
        return _nearest_reply(
            ctx, unit.lat, unit.lon, text + "\n\n" + _("The nearest points I know:")
        )
    return [
        Reply(
            text=text,
            buttons=_nav(Button(_("📋 Wards and communes with a point"), "pts:has")),
            edit=edit,
        )
    ]


def _nearest_reply(ctx: Ctx, lat: float, lon: float, heading: str) -> list[Reply]:
    places = _places(ctx)
    found = nearest_points(places, lat, lon)
    lines = [heading]
    buttons = []
    for point, km in found:
        distance = _("{km} km", km=format_decimal(km, "0.0", locale=current_locale()))
        lines.append(f"• {point.name} — {distance}\n  {point.address}")
        buttons.append(Button(f"{distance} · {point.name}", f"pts:p:{point.id}"))
    return [Reply(text="\n".join(lines), buttons=_nav(*buttons))]


# --- lists ---------------------------------------------------------------------------------


async def units_with_points(msg: Incoming, ctx: Ctx) -> list[Reply]:
    units = sorted(_places(ctx).units_with_points(), key=lambda u: sort_key(u.name))
    buttons = [Button(unit_label(u), f"pts:u:{u.id}") for u in units]
    return [
        Reply(
            text=_("Wards and communes where I know a support point:"),
            buttons=_nav(*buttons),
            edit=True,
        )
    ]


async def letters(msg: Incoming, ctx: Ctx) -> list[Reply]:
    found = sorted(
        {_letter(u) for u in _places(ctx).units.values()}, key=lambda x: x.replace(DD, "d~")
    )
    letter_rows = rows(*(Button(_letter_label(x), f"pts:l:{x}:0") for x in found), per_row=4)
    return [
        Reply(
            text=_("Choose the first letter of your ward or commune:"),
            buttons=letter_rows + _nav(),
            edit=True,
        )
    ]


async def units_by_letter(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    letter, _sep, page_text = (msg.payload or "").removeprefix("pts:l:").partition(":")
    units = sorted(
        (u for u in _places(ctx).units.values() if _letter(u) == letter),
        key=lambda u: sort_key(u.name),
    )
    page = parse_id(page_text, low=0)
    if not units or page is None or page * PAGE >= len(units):
        return None
    shown = units[page * PAGE : (page + 1) * PAGE]
    points = _places(ctx).by_unit
    buttons = [
        Button(unit_label(u) + (" 📍" if u.id in points else ""), f"pts:u:{u.id}") for u in shown
    ]
    paging = []
    if page > 0:
        paging.append(Button(_("⬅️ Previous"), f"pts:l:{letter}:{page - 1}"))
    if (page + 1) * PAGE < len(units):
        paging.append(Button(_("Next ➡️"), f"pts:l:{letter}:{page + 1}"))
    text = _(
        "Wards and communes starting with {letter} (📍 = has a support point):",
        letter=_letter_label(letter),
    )
    return [
        Reply(
            text=text,
            buttons=rows(*buttons)
            + ((tuple(paging),) if paging else ())
            + rows(Button(_("🔤 Other letters"), "pts:az"))
            + _nav(),
            edit=True,
        )
    ]


async def open_unit(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    unit = _places(ctx).units.get((msg.payload or "").removeprefix("pts:u:"))
    if unit is None:
        return None
    return await _unit_reply(unit, ctx, edit=True)


async def open_point(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    point = _places(ctx).points.get((msg.payload or "").removeprefix("pts:p:"))
    if point is None:
        return None
    return await point_card(point, ctx)


async def book_here(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    point = _places(ctx).points.get((msg.payload or "").removeprefix("pts:b:"))
    start_at = _booking(ctx)
    if point is None or start_at is None:
        return None
    return await start_at(point.id, msg, ctx)


# --- the card ------------------------------------------------------------------------------


def _seats(seats: tuple[int, int] | None) -> str:
    if seats is None:
        return ""  # not yet open for booking: the times alone
    free, held = seats
    if free and held:
        return " · " + _("{n} seats free, +{held} for priority visitors", n=free, held=held)
    if free:
        return " · " + ngettext("{n} seat free", "{n} seats free", free)
    if held:
        return " · " + _("only priority seats left")
    return " · " + _("full (waitlist open)")


def _session_line(session: ScheduledSession, seats: tuple[int, int] | None) -> str:
    return f"• {format_when(session.starts_at, session.ends_at, year=False)}{_seats(seats)}"


async def _free_seats(
    ctx: Ctx, point: Point, sessions: list[ScheduledSession]
) -> dict[datetime, tuple[int, int]]:
    """Seats per session (bot/points/service.py); empty while booking is not wired in."""
    if _booking(ctx) is None or not sessions:
        return {}
    return await point_service.free_seats(await service_context(ctx), point, sessions)


def _card_text(
    point: Point,
    unit: Unit,
    sessions: list[ScheduledSession],
    seats: dict[datetime, tuple[int, int]],
) -> str:
    lines = [
        f"📍 {point.name}",
        unit_label(unit),
        "",
        _("📌 Address: {address}", address=point.address),
    ]
    if point.accessibility:
        lines.append(_("♿ Access: {notes}", notes=point.accessibility))
    lines.append("")
    if sessions:
        lines.append(_("🗓 Next sessions:"))
        lines += [_session_line(s, seats.get(s.starts_at)) for s in sessions]
    else:
        lines.append(
            ngettext(
                "🗓 No session in the next {n} day.",
                "🗓 No session in the next {n} days.",
                SESSION_DAYS,
            )
        )
    if point.sample:
        lines += [
            "",
            _("⚠️ This is a sample point for trying the bot, not a real published support point."),
        ]
    return "\n".join(lines)


async def point_card(point: Point, ctx: Ctx) -> list[Reply]:
    """The point as a venue, then its details with what the user can do next."""
    places = _places(ctx)
    unit = places.unit_of(point)
    sessions = upcoming_sessions(point, ctx.now(), SESSION_DAYS, ctx.config.tz)
    extra = []
    if _booking(ctx) is not None and sessions:
        extra.append(Button(_("📅 Book a visit here"), f"pts:b:{point.id}"))
    if len(places.points_of(unit.id)) > 1:
        extra.append(
            Button(_("Other points in {unit}", unit=unit_label(unit)), f"pts:u:{unit.id}")
        )
    shown = sessions[:SESSIONS_SHOWN]
    text = _card_text(point, unit, shown, await _free_seats(ctx, point, shown))
    venue = Location(point.lat, point.lon, title=point.name, address=point.address)
    return [Reply(location=venue), Reply(text=text, buttons=_nav(*extra))]


async def open_from_link(msg: Incoming, ctx: Ctx) -> list[Reply]:
    """`/start p_<point>` (a QR poster at the point): that point's card."""
    point_id = msg.command_args.removeprefix(DEEP_LINK_PREFIX)
    point = _places(ctx).points.get(point_id)
    ctx.state.go(STATE)
    if point is None:
        return [
            Reply(
                text=_(
                    "I could not find that support point; it may have closed or "
                    "moved. Type the name of your ward or commune to find another."
                ),
                buttons=_finder_buttons(),
            )
        ]
    return await point_card(point, ctx)


router.state(STATE, in_finder)
router.payload("pts", open_finder, always=True)
router.payload("pts:has", units_with_points, always=True)
router.payload("pts:az", letters, always=True)
router.payload("pts:l:", units_by_letter, always=True)
router.payload("pts:u:", open_unit, always=True)
router.payload("pts:p:", open_point, always=True)
router.payload("pts:b:", book_here, always=True)
