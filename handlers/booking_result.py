"""The end of the booking dialog: the summary, confirming (a booking with its code, calendar
file and map; a place on the waitlist; or a home-visit request) and why a slot had no seat."""

from __future__ import annotations

from typing import Any

from bot.booking import capacity, cards, drafts, service, texts, visits
from bot.booking.phone import display_phone
from bot.ctx import Ctx
from bot.db.booking_models import Slot
from bot.i18n import _
from bot.points.names import unit_label
from bot.reminders.plan import KIND as REMINDER_KIND
from bot.services.errors import Refused
from bot.types import Button, Incoming, Reply, rows
from handlers import menu
from handlers.services import render, service_context

Draft = dict[str, Any]
REQUIRED = ("for_self", "point_id", "name", "phone", "help_topic", "consent")


def _after_buttons(*extra: Button) -> tuple[tuple[Button, ...], ...]:
    return rows(Button(_("🗓 My bookings"), "mybk"), *extra, Button(_("🏠 Menu"), "menu"))


def summary_lines(ctx: Ctx, d: Draft, slot: Slot | None = None) -> list[str]:
    point = ctx.services["places"].points.get(d.get("point_id") or "")
    home = d.get("mode") == "home"
    lines = texts.visit_lines(
        None if home else point,
        None if home or slot is None else slot.starts_at,
        None if home or slot is None else slot.ends_at,
        d,
        home=home,
    )
    if home:
        lines.append(_("🏠 Home visit at: {address}", address=d.get("address", "")))
        names = texts.weekday_names()
        chosen = [names[int(i)] for i in d.get("days", []) if int(i) in names]
        lines.append(
            _("📅 Preferred days: {days}", days=", ".join(chosen) if chosen else _("any day"))
        )
    elif d.get("access_ack") and d.get("access_ack") == d.get("point_id"):
        lines.append(_("ℹ️ The staff will be told what the visitor needs, so they can prepare."))
    return lines


def _ack(d: Draft) -> bool:
    """The booker chose to book at a point that may not suit the visitor's needs."""
    return bool(d.get("access_ack")) and d.get("access_ack") == d.get("point_id")


async def slot_of(ctx: Ctx, d: Draft) -> Slot | None:
    slot_id = d.get("slot_id")
    return await ctx.session.get(Slot, slot_id) if isinstance(slot_id, int) else None


async def confirm(msg: Incoming, ctx: Ctx, d: Draft) -> list[Reply] | str:
    """Book the seat (or send the home-visit request); "full" when the seat was taken."""
    if any(d.get(key) in (None, "") for key in REQUIRED):
        return [menu.menu_reply(ctx, render(Refused("booking.incomplete")))]
    if d.get("mode") == "home":
        return await _home_visit(msg, ctx, d)
    slot = await slot_of(ctx, d)
    if slot is None:
        return "full"
    try:
        booking, slot = await visits.book_visit(
            await service_context(ctx),
            slot.id,
            _details(d),
            _reply_to(msg, ctx),
            access_ack=_ack(d),
        )
    except Refused as e:
        if e.key == "booking.slot_gone":
            return "full"
        return [menu.menu_reply(ctx, render(e))]
    if booking is None:
        return await join_waitlist(msg, ctx, d) if d.get("waitlist") else "full"
    await _finish(ctx)
    point = ctx.services["places"].points[booking.point_id]
    text = "\n".join(
        [
            _("✅ Booked! Your booking code is {code}.", code=booking.code),
            "",
            *summary_lines(ctx, d, slot),
            "",
            cards.what_to_bring(None if d.get("for_self") else d.get("name")),
            _("To cancel or change the time, open “🗓 My bookings”."),
            *_how_reminded(msg, ctx, booking.phone, bool(booking.consent)),
        ]
    )
    # Other features' buttons under "✅ Booked!" come from the menu table.
    extra = [b for offer in ctx.core.menus.after_booking for b in await offer(ctx, booking)]
    return [
        Reply(text=text, buttons=_after_buttons(*extra), keep=True),
        Reply(
            document=cards.calendar_document(
                booking,
                slot,
                point,
                ctx.config.tz,
                ctx.now(),
                alarm_hours=ctx.config.reminders.hours_before,
            )
        ),
        Reply(location=cards.venue(point)),
    ]


def _how_reminded(msg: Incoming, ctx: Ctx, phone: str | None, consent: bool) -> list[str]:
    """How the reminders will reach this person, worded by the channel's send policy (with a
    reply window: a message inside it, or a template by phone); nothing where they just
    arrive."""
    said = ctx.core.profile(msg.channel).policy.promise(REMINDER_KIND, phone, consent)
    return [said] if said else []


async def join_waitlist(msg: Incoming, ctx: Ctx, d: Draft) -> list[Reply]:
    slot = await slot_of(ctx, d)
    if slot is None:
        await _finish(ctx)
        return [menu.menu_reply(ctx, _("That time is no longer offered. Please book again."))]
    try:
        place, slot = await visits.wait_for_seat(
            await service_context(ctx),
            slot.id,
            _details(d),
            _reply_to(msg, ctx),
            access_ack=_ack(d),
        )
    except Refused as e:
        await _finish(ctx)
        return [menu.menu_reply(ctx, render(e))]
    await _finish(ctx)
    point = ctx.services["places"].points.get(slot.point_id)
    lines = [
        _("⏳ You are on the waitlist, number {n} in line.", n=place),
        "",
        *texts.visit_lines(point, slot.starts_at, slot.ends_at, {}),
        "",
        _(
            "If a seat frees up, I will book it for you and send you a message with the "
            "booking code."
        ),
    ]
    return [Reply(text="\n".join(lines), buttons=_after_buttons(), keep=True)]


async def why_no_seat(ctx: Ctx, d: Draft) -> str:
    slot = await slot_of(ctx, d)
    if slot is None:
        return _("Sorry, that time is no longer offered. Please choose another time.")
    room = capacity.room(slot, priority=bool(d.get("priority")), now=ctx.now())
    start = texts.clock(slot.starts_at)
    if room.held:
        return _(
            "The free seats at {time} are kept for priority visitors until {release}. "
            "Join the waitlist: if a seat is still free then, it is yours automatically.",
            time=start,
            release=texts.moment(slot.hold_until),
        )
    return _(
        "Sorry, the last seat at {time} has just been taken. You can join the waitlist "
        "(if someone cancels, the seat is yours automatically) or choose another time.",
        time=start,
    )


async def _home_visit(msg: Incoming, ctx: Ctx, d: Draft) -> list[Reply]:
    places = ctx.services["places"]
    point = places.points[d["point_id"]]
    try:
        request = await visits.ask_home_visit(
            await service_context(ctx),
            point.id,
            _details(d),
            d["address"],
            [int(i) for i in d.get("days", [])],
            _reply_to(msg, ctx),
        )
    except Refused as e:
        return [menu.menu_reply(ctx, render(e))]
    phone = display_phone(d["phone"])
    await _finish(ctx)
    text = _(
        "✅ Your home-visit request has been sent to the support team of {unit}. Its code "
        "is {code}. They will call {phone} to agree on a day. You do not need to do "
        "anything else: I will write when an officer takes the request. To see or cancel "
        "it, open “🗓 My bookings”.",
        unit=unit_label(places.unit_of(point)),
        code=request.code,
        phone=phone,
    )
    return [Reply(text=text, buttons=_after_buttons())]


async def _finish(ctx: Ctx) -> None:
    await drafts.drop(ctx.session, ctx.user.id)
    ctx.state.clear()


def _reply_to(msg: Incoming, ctx: Ctx) -> visits.ReplyTo:
    return (msg.channel, msg.chat_id, ctx.locale)


def _details(d: Draft) -> service.Details:
    return service.Details(
        for_self=bool(d["for_self"]),
        name=d["name"],
        phone=d["phone"],
        help_topic=d["help_topic"],
        help_note=d.get("help_note"),
        priority=list(d.get("priority", [])),
        needs=list(d.get("needs", [])),
        consent=bool(d.get("consent")),
    )
