"""The steps of the booking dialog (handlers/booking.py joins them): one async function per
step. A step gets `msg=None` when the dialog arrives at it (it asks its question) and the
user's message otherwise; it returns replies (stay on this step) or an event name, which
`booking.TRANSITIONS` turns into the next step. `d` is the form, kept across steps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from babel.numbers import format_decimal

from bot.booking import capacity, queries, texts, visits
from bot.booking.phone import display_phone, normalise_phone
from bot.ctx import Ctx
from bot.i18n import N_, _, current_locale
from bot.points.find import find_units, nearest_points
from bot.points.model import Places, Point
from bot.points.names import unit_label
from bot.services.errors import Refused
from bot.types import Button, ButtonKind, Incoming, Reply, rows
from handlers import booking_result, menu
from handlers.services import render, service_context

DAYS_AHEAD = 14  # the dialog offers slots this many days ahead
MAX_NAME = 60
MAX_NOTE = 200
MAX_ADDRESS = 300
MAX_LISTED_UNITS = 12  # more units than this: type a name or share a location instead

Draft = dict[str, Any]
StepResult = list[Reply] | str
Step = Callable[[Incoming | None, Ctx, Draft], Awaitable[StepResult]]


# --- small helpers -------------------------------------------------------------------------


def places_of(ctx: Ctx) -> Places:
    return ctx.services["places"]


def point_of(ctx: Ctx, d: Draft) -> Point | None:
    return places_of(ctx).points.get(d.get("point_id") or "")


def _nav() -> tuple[Button, ...]:
    return (Button(_("⬅️ Back"), "bk:back"), Button(_("✖️ Stop"), "bk:cancel"))


def _ask(
    text: str, *buttons: Button, problem: str | None = None, edit: bool = False
) -> list[Reply]:
    """A question with its answer buttons (one a row), then Back and Stop."""
    if problem:
        text = f"{problem}\n\n{text}"
    return [Reply(text=text, buttons=rows(*buttons) + (_nav(),), edit=edit)]


def _toggle_label(on: bool, label: str) -> str:
    return ("✅ " if on else "⬜ ") + label


def _typed(msg: Incoming) -> str | None:
    """What the user typed, tidied; None for a button, contact or command."""
    if msg.text is None or msg.command:
        return None
    return " ".join(msg.text.split())


# --- the steps -----------------------------------------------------------------------------


async def who(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    choices = (
        Button(_("🙋 For me"), "bk:me"),
        Button(_("👪 For a relative (a parent, a grandparent…)"), "bk:rel"),
    )
    if msg is not None and msg.payload in ("bk:me", "bk:rel"):
        for_self = msg.payload == "bk:me"
        if d.get("for_self") is not None and d["for_self"] != for_self:
            for key in ("name", "phone", "consent"):  # they were about the other person
                d.pop(key, None)
        d["for_self"] = for_self
        return "next"
    return _ask(
        _("Who is the visit for?"),
        *choices,
        problem=None if msg is None else _("Please choose one of the buttons."),
    )


async def where(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    places = places_of(ctx)
    payload = (msg.payload or "") if msg else ""
    if payload.startswith("bk:p:") and payload[5:] in places.points:
        d["point_id"] = payload[5:]
        return "next"
    if payload.startswith("bk:u:") and payload[5:] in places.units:
        return _points_of_unit(places, payload[5:], d)
    if msg is not None and msg.location is not None:
        found = nearest_points(places, msg.location.latitude, msg.location.longitude)
        return _ask(
            _("The support points nearest to you:"),
            *(Button(f"{_km(km)} · {p.name}", f"bk:p:{p.id}") for p, km in found),
        )
    text = _typed(msg) if msg else None
    if text:
        matches = find_units(places, text)
        if len(matches) == 1:
            return _points_of_unit(places, matches[0].unit.id, d)
        if matches:
            return _ask(
                _("Which one do you mean?"),
                *(Button(unit_label(m.unit), f"bk:u:{m.unit.id}") for m in matches),
            )
        return _ask_where(
            places, _("I could not find a ward or commune called “{text}”.", text=text[:60])
        )
    return _ask_where(places, None if msg is None else _("Please type a name or use the buttons."))


def _km(km: float) -> str:
    return f"{format_decimal(km, '0.0', locale=current_locale())} km"


def _ask_where(places: Places, problem: str | None) -> list[Reply]:
    units = places.units_with_points()
    listed = units if len(units) <= MAX_LISTED_UNITS else []
    return _ask(
        _(
            "Where would you like to go? Type the name of your ward or commune (for "
            "example: Cầu Giấy), share your location, or choose below."
        ),
        Button(_("📍 Share my location"), kind=ButtonKind.REQUEST_LOCATION),
        *(Button(unit_label(u), f"bk:u:{u.id}") for u in listed),
        problem=problem,
    )


def _points_of_unit(places: Places, unit_id: str, d: Draft) -> StepResult:
    points = places.points_of(unit_id)
    if len(points) == 1:
        d["point_id"] = points[0].id
        return "next"
    unit = places.units[unit_id]
    if points:
        return _ask(
            _("Support points in {unit}:", unit=unit_label(unit)),
            *(Button(p.name, f"bk:p:{p.id}") for p in points),
        )
    return _ask_where(
        places,
        _(
            "I have no support point for {unit} yet. Please choose another place.",
            unit=unit_label(unit),
        ),
    )


async def day(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    point = point_of(ctx, d)
    if point is None:
        return "other_point"
    payload = (msg.payload or "") if msg else ""
    if payload == "bk:home":
        d["mode"] = "home"
        return "home"
    if payload == "bk:other_point":
        d.pop("point_id", None)
        return "other_point"
    days = await _days(ctx, point, d)
    if payload.startswith("bk:d:") and payload[5:] in days:
        d.update(day=payload[5:], mode="slot")
        return "next"
    buttons = [
        Button(_day_button(date.fromisoformat(k), room), f"bk:d:{k}") for k, room in days.items()
    ]
    text = (
        _("📍 {point}\n\nWhich day suits you?", point=point.name)
        if days
        else _(
            "📍 {point}\n\nThere are no sessions in the next {n} days.",
            point=point.name,
            n=DAYS_AHEAD,
        )
    )
    return _ask(
        text,
        *buttons,
        Button(_("🏠 Cannot travel? Ask for a home visit"), "bk:home"),
        Button(_("🔎 Choose another point"), "bk:other_point"),
        problem=None if msg is None else _("Please choose a day with the buttons."),
    )


def _day_button(day_: date, room: capacity.Room) -> str:
    label = texts.day_label(day_)
    if room.free and room.held:
        # Priority is asked later: a priority visitor may take the held seats too.
        return _(
            "{day} · {n} seats free, +{held} for priority visitors",
            day=label,
            n=room.free,
            held=room.held,
        )
    if room.free:
        return _("{day} · {n} seats free", day=label, n=room.free)
    if room.held:
        return _("{day} · only priority seats left", day=label)
    return _("{day} · full: join the waitlist", day=label)


async def _days(ctx: Ctx, point: Point, d: Draft) -> dict[str, capacity.Room]:
    """Local day (ISO) → seats left that day for this visitor, for days with any slot."""
    now = ctx.now()
    found: dict[str, capacity.Room] = {}
    priority = bool(d.get("priority"))
    for slot in await queries.slots_between(
        ctx.session, point.id, now, now + timedelta(days=DAYS_AHEAD)
    ):
        key = slot.starts_at.astimezone(ctx.config.tz).date().isoformat()
        room = capacity.room(slot, priority=priority, now=now)
        before = found.get(key, capacity.Room(0, 0))
        found[key] = capacity.Room(before.free + room.free, before.held + room.held)
    return found


async def time(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    point = point_of(ctx, d)
    if point is None or "day" not in d:
        return "other_day"
    now = ctx.now()
    priority = bool(d.get("priority"))
    slots = [
        s
        for s in await queries.slots_between(
            ctx.session, point.id, now, now + timedelta(days=DAYS_AHEAD)
        )
        if s.starts_at.astimezone(ctx.config.tz).date().isoformat() == d["day"]
    ]
    rooms = {s.id: capacity.room(s, priority=priority, now=now) for s in slots}
    with_room = [s for s in slots if rooms[s.id].free or rooms[s.id].held]
    shown = with_room or slots  # a full day: its times, to wait for one
    payload = (msg.payload or "") if msg else ""
    chosen = next((s for s in shown if payload == f"bk:s:{s.id}"), None)
    if chosen is not None:
        d["slot_id"] = chosen.id
        d["waitlist"] = not (rooms[chosen.id].free or rooms[chosen.id].held)
        return "resume" if d.pop("resume", False) else "next"
    if not shown:
        return "other_day"
    buttons = [Button(_time_button(s, rooms[s.id]), f"bk:s:{s.id}") for s in shown]
    text = (
        _("{day}: which time?", day=texts.day_label(date.fromisoformat(d["day"])))
        if with_room
        else _(
            "Every time on this day is full. Choose one to join its "
            "waitlist: if a seat frees up, it is yours automatically."
        )
    )
    return _ask(
        text,
        *buttons,
        problem=None if msg is None else _("Please choose a time with the buttons."),
    )


def _time_button(slot, room: capacity.Room) -> str:
    start = texts.clock(slot.starts_at)
    if room.free and room.held:
        return _(
            "{time} · {n} seats free, +{held} for priority visitors",
            time=start,
            n=room.free,
            held=room.held,
        )
    if room.free:
        return _("{time} · {n} seats free", time=start, n=room.free)
    if room.held:
        return _("{time} · only priority seats left", time=start)
    return _("{time} · full: join the waitlist", time=start)


async def name(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    if msg is not None and msg.payload == "bk:keep" and d.get("name"):
        return "next"
    text = _typed(msg) if msg else None
    problem = None
    if text:
        letters = sum(c.isalpha() for c in text)
        if len(text) > MAX_NAME:
            problem = _("That is too long for a name (at most {n} characters).", n=MAX_NAME)
        elif letters < 2 or any(c.isdigit() for c in text):
            problem = _("That does not look like a name. Please type letters only.")
        else:
            d["name"] = text
            return "next"
    elif msg is not None:
        problem = _("Please type the name.")
    if d.get("for_self"):
        question = _("What is your full name?")
    elif d.get("mode") == "home":
        question = _("What is the full name of the person to visit at home?")
    else:
        question = _("What is the full name of the person who will come?")
    keep = [Button(_("Keep: {name}", name=d["name"]), "bk:keep")] if d.get("name") else []
    return _ask(question, *keep, problem=problem)


async def phone(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    if msg is not None and msg.payload == "bk:keep" and d.get("phone"):
        return "next"
    problem = None
    if msg is not None and msg.contact is not None:
        if msg.contact.user_id != msg.user_id:
            problem = _("That is someone else's contact. Please type the phone number.")
        elif number := normalise_phone(msg.contact.phone):
            d["phone"] = number
            return "next"
        else:
            problem = _("That number is not a Vietnamese mobile number. Please type one.")
    elif text := (_typed(msg) if msg else None):
        if number := normalise_phone(text):
            d["phone"] = number
            return "next"
        problem = _(
            "That is not a Vietnamese mobile number. It has 10 digits and starts "
            "with 03, 05, 07, 08 or 09, for example 0912 345 678."
        )
    elif msg is not None:
        problem = _("Please type the phone number.")
    buttons = []
    if d.get("phone"):
        buttons.append(Button(_("Keep: {phone}", phone=display_phone(d["phone"])), "bk:keep"))
    if d.get("for_self"):
        buttons.append(Button(_("📱 Share my phone number"), kind=ButtonKind.REQUEST_CONTACT))
        question = _(
            "Which mobile number can the support team call you on? Type it or "
            "press “Share my phone number”."
        )
    else:
        question = _("Which mobile number can the support team call them on?")
    return _ask(question, *buttons, problem=problem)


async def help_topic(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    payload = (msg.payload or "") if msg else ""
    topic = payload.removeprefix("bk:h:")
    if payload.startswith("bk:h:") and topic in texts.HELP_LABELS:
        d["help_topic"] = topic
        if topic == "other":
            return "other"
        d.pop("help_note", None)
        return "next"
    if text := (_typed(msg) if msg else None):  # typed instead of choosing: their own words
        if len(text) <= MAX_NOTE:
            d.update(help_topic="other", help_note=text)
            return "next"
    buttons = [Button(_(label), f"bk:h:{key}") for key, label in texts.HELP_LABELS.items()]
    return _ask(
        _("What would you like help with?"),
        *buttons,
        problem=None
        if msg is None
        else _(
            "Please choose with the buttons, or type a few words (at most {n} characters).",
            n=MAX_NOTE,
        ),
    )


async def help_note(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    if msg is not None and msg.payload == "bk:keep" and d.get("help_note"):
        return "next"
    text = _typed(msg) if msg else None
    if text and len(text) <= MAX_NOTE:
        d["help_note"] = text
        return "next"
    problem = None
    if msg is not None:
        problem = _("Please type a few words (at most {n} characters).", n=MAX_NOTE)
    keep = [Button(_("Keep what I wrote"), "bk:keep")] if d.get("help_note") else []
    return _ask(_("In a few words, what do you need help with?"), *keep, problem=problem)


async def priority(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    if msg is None and d.get("mode") == "home" and d.get("priority"):
        return "home"  # asked first, with who qualifies (home_who)
    result = _toggles(
        msg,
        d,
        "priority",
        _translated(texts.PRIORITY_LABELS),
        _(
            "Does the visitor belong to a priority group? Seats are kept for "
            "priority visitors. Tick all that apply, then press Done."
        ),
    )
    if result == "done" and d.get("mode") == "home":
        return "home" if d["priority"] else "not_eligible"
    return "next" if result == "done" else result


async def needs(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    result = _toggles(
        msg,
        d,
        "needs",
        _translated(texts.NEED_LABELS),
        _(
            "Does the visitor need any of these at the point? Tick all that "
            "apply, then press Done."
        ),
    )
    if result == "done":
        d.pop("access_ack", None)  # asked again for these needs
        return "next"
    return result


async def access(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    """Before any time is offered: does the point meet the visitor's needs? If not (or the
    point does not say), say so and offer the nearest point that does, a home visit, or
    booking here anyway with the staff told."""
    point = point_of(ctx, d)
    if point is None:
        return "other_point"
    needs_ = list(d.get("needs", []))
    payload = (msg.payload or "") if msg else ""
    if payload == "bk:anyway":
        d["access_ack"] = point.id
        return "next"
    if payload == "bk:home":
        d["mode"] = "home"
        return "home"
    if payload == "bk:other_point":
        d.pop("point_id", None)
        return "other_point"
    try:
        advice = await visits.access_advice(await service_context(ctx), point.id, needs_)
    except Refused as e:
        return [menu.menu_reply(ctx, render(e))]
    offered = {pid for pid, _km in advice.instead}
    if payload.startswith("bk:ap:") and payload[6:] in offered:
        d["point_id"] = payload[6:]
        for key in ("day", "slot_id", "access_ack"):
            d.pop(key, None)
        return "moved"
    if advice.fit.ok or d.get("access_ack") == point.id:
        return "next"
    lines = [_("⚠️ {point} may not suit the visitor:", point=point.name)]
    for need in advice.fit.missing:
        lines.append("• " + _(ACCESS_MISSING[need]))
    for need in advice.fit.unknown:
        lines.append("• " + _(ACCESS_UNKNOWN[need]))
    if point.accessibility:
        lines += ["", _("♿ Access: {notes}", notes=point.accessibility)]
    places = places_of(ctx)
    instead = [
        Button(f"📍 {places.points[pid].name} · {_km(km)}", f"bk:ap:{pid}")
        for pid, km in advice.instead
    ]
    lines += [
        "",
        _("Please choose a point that suits the visitor better, or a home visit.")
        if instead
        else _("I know of no point nearby that surely suits. A home visit may be easier."),
        _(
            "You can also book here anyway: the staff will be told what the visitor "
            "needs, so they can prepare."
        ),
    ]
    return _ask(
        "\n".join(lines),
        *instead,
        Button(_("🏠 Ask for a home visit"), "bk:home"),
        Button(_("✅ Book here anyway and tell the staff"), "bk:anyway"),
        Button(_("🔎 Choose another point"), "bk:other_point"),
        problem=None if msg is None else _("Please use the buttons."),
    )


ACCESS_MISSING = {
    "wheelchair": N_("It cannot be reached in a wheelchair without steps."),
    "hearing": N_("It has no hearing loop."),
}
ACCESS_UNKNOWN = {
    "wheelchair": N_("It has not told us whether a wheelchair can get in without steps."),
    "hearing": N_("It has not told us whether it has a hearing loop."),
}


async def home_who(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    """A home visit: who qualifies is said first, and asked before anything else."""
    result = _toggles(
        msg,
        d,
        "priority",
        _translated(texts.PRIORITY_LABELS),
        _(
            "🏠 Home visits\n\nThe support team visits at home people who cannot travel "
            "to a support point and who are aged 60 or over, live with a disability, or "
            "are from a poor or near-poor household.\n\nWhich of these applies to the "
            "visitor? Tick all that apply, then press Done."
        ),
        none_label=_("None of these"),
    )
    if result == "done":
        return "next" if d["priority"] else "not_eligible"
    return result


def _translated(labels: dict[str, str]) -> dict[str, str]:
    return {k: _(v) for k, v in labels.items()}


def _toggles(
    msg: Incoming | None,
    d: Draft,
    key: str,
    labels: dict[str, str],
    question: str,
    none_label: str | None = None,
) -> StepResult:
    """Tick buttons for `labels`, kept in d[key]; "done" once the user is done."""
    chosen = [k for k in d.get(key, []) if k in labels]
    payload = (msg.payload or "") if msg else ""
    toggled = payload.startswith("bk:t:") and payload[5:] in labels
    if toggled:
        chosen = [k for k in labels if (k in chosen) != (k == payload[5:])]
        d[key] = chosen
    elif payload in ("bk:done", "bk:none"):
        d[key] = [] if payload == "bk:none" else chosen
        return "done"
    buttons = [
        Button(_toggle_label(k in chosen, label), f"bk:t:{k}") for k, label in labels.items()
    ]
    buttons += [
        Button(none_label or _("No, none of these"), "bk:none"),
        Button(_("✔️ Done"), "bk:done"),
    ]
    problem = None if msg is None or toggled else _("Please use the buttons.")
    return _ask(question, *buttons, problem=problem, edit=toggled)


async def no_home(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    if msg is not None and msg.payload == "bk:slot":
        d["mode"] = "slot"
        return "slot"
    return _ask(
        _(
            "Home visits are for people aged 60 or over, living with a disability or "
            "from a poor household. You are welcome to book a time at the support "
            "point instead."
        ),
        Button(_("🗓 Choose a time at the point"), "bk:slot"),
    )


async def address(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    if msg is not None and msg.payload == "bk:keep" and d.get("address"):
        return "next"
    text = _typed(msg) if msg else None
    problem = None
    if text and 5 <= len(text) <= MAX_ADDRESS:
        d["address"] = text
        return "next"
    if msg is not None:
        problem = _(
            "Please type the full address (house number, lane, street), at most {n} characters.",
            n=MAX_ADDRESS,
        )
    keep = (
        [Button(_("Keep: {address}", address=d["address"][:40]), "bk:keep")]
        if d.get("address")
        else []
    )
    return _ask(
        _(
            "At which address should the support team visit? Please type the house "
            "number, lane and street."
        ),
        *keep,
        problem=problem,
    )


async def days(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    labels = {str(i): day_name for i, day_name in texts.weekday_names().items()}
    result = _toggles(
        msg,
        d,
        "days",
        labels,
        _("Which days suit the visitor best? Tick them, then press Done."),
        none_label=_("Any day is fine"),
    )
    return "next" if result == "done" else result


async def consent(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    if msg is not None and msg.payload == "bk:agree":
        d["consent"] = True
        return "next"
    days_kept = ctx.config.booking.retention_days
    home = d.get("mode") == "home"
    # Every field the form asks for is named (tests/test_booking_privacy.py).
    if d.get("for_self"):
        fields = (
            _(
                "your name, phone number, home address, the days that suit you, the help "
                "you need, your priority group (age, disability or household) and your "
                "needs (wheelchair, hearing, sight)"
            )
            if home
            else _(
                "your name, phone number, the help you need, your priority group (age, "
                "disability or household) and your needs (wheelchair, hearing, sight)"
            )
        )
        text = _(
            "To arrange the visit, I keep {fields}, and share them only with the support "
            "team. They are deleted {n} days after the visit; you can see or delete them at "
            "any time with /privacy.",
            fields=fields,
            n=days_kept,
        )
        agree = Button(_("✅ I agree"), "bk:agree")
    else:
        fields = (
            _(
                "their name, phone number, home address, the days that suit them, the help "
                "they need, their priority group (age, disability or household) and their "
                "needs (wheelchair, hearing, sight)"
            )
            if home
            else _(
                "their name, phone number, the help they need, their priority group (age, "
                "disability or household) and their needs (wheelchair, hearing, sight)"
            )
        )
        text = _(
            "To arrange the visit, I keep {fields}, and share them only with the support "
            "team. They are deleted {n} days after the visit; you can see or delete them at "
            "any time with /privacy.\n\nDo you have their permission to share these details?",
            fields=fields,
            n=days_kept,
        )
        agree = Button(_("✅ I have their permission"), "bk:agree")
    return _ask(text, agree, problem=None if msg is None else _("Please use the buttons."))


async def summary(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    if msg is not None and msg.payload == "bk:confirm":
        return await booking_result.confirm(msg, ctx, d)
    lines = booking_result.summary_lines(ctx, d, await booking_result.slot_of(ctx, d))
    if d.get("mode") == "home":
        heading, label = _("Please check your home-visit request:"), _("✅ Send the request")
    elif d.get("waitlist"):
        heading, label = (
            _("This time is full. Please check, then join its waitlist:"),
            _("✅ Join the waitlist"),
        )
    else:
        heading, label = _("Please check your booking:"), _("✅ Confirm the booking")
    return _ask(
        "\n".join([heading, "", *lines]),
        Button(label, "bk:confirm"),
        problem=None if msg is None else _("Please use the buttons."),
    )


async def full(msg: Incoming | None, ctx: Ctx, d: Draft) -> StepResult:
    payload = (msg.payload or "") if msg else ""
    if payload == "bk:wait" and msg is not None:
        return await booking_result.join_waitlist(msg, ctx, d)
    if payload == "bk:other":
        d["resume"] = True
        d.pop("slot_id", None)
        return "other"
    return _ask(
        await booking_result.why_no_seat(ctx, d),
        Button(_("⏳ Join the waitlist"), "bk:wait"),
        Button(_("🕒 Choose another time"), "bk:other"),
        problem=None if msg is None else _("Please use the buttons."),
    )
