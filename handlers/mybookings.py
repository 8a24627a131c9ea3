"""My bookings: the user's upcoming visits (also those booked for relatives) and waitlist places,
each with its details, Cancel and Change the time (same code; a confirmation is asked first);
and the answers to a schedule-change message: "Still fine" and booking a time offered instead.

Every payload carries a booking id and is checked against the user's own bookings: someone
else's id, a forged or a stale button is refused politely and changes nothing. Buttons that
only show something or ask a question are accepted from older messages (`always=True`, e.g.
from a waitlist-promotion message); the ones that change something must have been offered
in the last reply.
"""

from __future__ import annotations

from datetime import date

from bot.booking import capacity, cards, mine, texts
from bot.ctx import Ctx, MenuEntry
from bot.db.booking_models import Booking, Slot
from bot.i18n import N_, _
from bot.ids import parse_id, parse_ids
from bot.points.model import Point
from bot.router import Router
from bot.services.context import ServiceContext
from bot.services.errors import Refused
from bot.types import Button, Incoming, Reply, rows
from handlers.services import render, service_context

router = Router()

MENU_ENTRY = MenuEntry(
    "mybk",
    N_("🗓 My bookings"),
    N_("See, cancel or change the visits you booked, also for relatives."),
    visible=lambda ctx: ctx is None or bool(ctx.services.get("places")),
)


def _ids(msg: Incoming, prefix: str, count: int = 1) -> list[int] | None:
    return parse_ids((msg.payload or "").removeprefix(prefix), count)


def _point(ctx: Ctx, point_id: str) -> Point | None:
    return ctx.services["places"].points.get(point_id)


def _back_buttons(booking_id: int | None = None) -> tuple[tuple[Button, ...], ...]:
    back = [Button(_("⬅️ Back to this visit"), f"mb:show:{booking_id}")] if booking_id else []
    return rows(*back, Button(_("🗓 My bookings"), "mybk"), Button(_("🏠 Menu"), "menu"))


def _refused(e: Refused | None = None, booking_id: int | None = None) -> list[Reply]:
    """The service's refusal (a payload that names no visit of the user's: not found)."""
    e = e or Refused("mine.not_found")
    buttons = _back_buttons(booking_id)
    if e.key == "mine.slot_full" and booking_id is not None:
        buttons = rows(Button(_("🔁 Choose another time"), f"mb:resch:{booking_id}")) + buttons
    elif e.key in ("mine.offer_gone", "mine.offer_full"):
        buttons = rows(Button(_("📅 Book a visit"), "book")) + buttons
    return [Reply(text=render(e), buttons=buttons)]


def _visitor(booking: Booking) -> str:
    return _("for you") if booking.for_self else _("for {name}", name=booking.visitor_name or "")


async def _sc(ctx: Ctx) -> ServiceContext:
    return await service_context(ctx)


# --- the list and one visit ----------------------------------------------------------------


async def show_list(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    if msg.payload not in (None, "mybk"):
        return None
    ctx.state.clear()
    sc = await _sc(ctx)
    bookings, waiting = await mine.upcoming(sc)
    home = await mine.home_visits(sc)
    if not bookings and not waiting and not home:
        return [
            Reply(
                text=_("You have no upcoming visits."),
                buttons=rows(Button(_("📅 Book a visit"), "book"), Button(_("🏠 Menu"), "menu")),
            )
        ]
    buttons = []
    for booking, slot in bookings:
        point = _point(ctx, booking.point_id)
        label = f"🗓 {texts.moment(slot.starts_at)} · {_visitor(booking)}"
        if point is not None:
            label += f" · {point.name}"
        buttons.append(Button(label[:120], f"mb:show:{booking.id}"))
    for entry, slot in waiting:
        label = _(
            "⏳ Waiting: {when} · {name}",
            when=texts.moment(slot.starts_at),
            name=entry.details.get("name", ""),
        )
        buttons.append(Button(label[:120], f"mb:leave:{entry.id}"))
    for request in home:
        label = _(
            "🏠 Home visit · {name} · code {code}",
            name=request.visitor_name or "",
            code=request.code or "—",
        )
        buttons.append(Button(label[:120], f"mh:show:{request.id}"))
    text = _("Your upcoming visits. Choose one to see it, cancel it or change the time:")
    return [
        Reply(
            text=text,
            buttons=rows(*buttons, Button(_("🏠 Menu"), "menu")),
            edit=msg.payload is not None,
        )
    ]


async def show_booking(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ids = _ids(msg, "mb:show:")
    if ids is None:
        return _refused()
    sc = await _sc(ctx)
    try:
        booking, slot = await mine.own(sc, ids[0])
    except Refused as e:
        return _refused(e)
    point = _point(ctx, booking.point_id)
    details = {
        "name": booking.visitor_name,
        "for_self": booking.for_self,
        "phone": booking.phone,
        "help_topic": booking.help_topic,
        "help_note": booking.help_note,
        "priority": booking.priority,
        "needs": booking.needs,
    }
    lines = [
        _("Booking code: {code}", code=booking.code),
        "",
        *texts.visit_lines(point, slot.starts_at, slot.ends_at, details),
    ]
    if not mine.is_upcoming(sc, booking, slot):
        lines.insert(
            0,
            _("This visit was cancelled.")
            if booking.status == "cancelled"
            else _("This visit is over."),
        )
        return [Reply(text="\n".join(lines), buttons=_back_buttons())]
    actions = [
        Button(_("❌ Cancel this visit"), f"mb:cancel:{booking.id}"),
        Button(_("🔁 Change the time"), f"mb:resch:{booking.id}"),
    ]
    if point is not None:
        actions.append(Button(_("📎 Calendar file and map"), f"mb:files:{booking.id}"))
    return [Reply(text="\n".join(lines), buttons=rows(*actions) + _back_buttons(), edit=True)]


async def send_files(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ids = _ids(msg, "mb:files:")
    if ids is None:
        return _refused()
    try:
        booking, slot = await mine.own_upcoming(await _sc(ctx), ids[0])
    except Refused as e:
        return _refused(e)
    point = _point(ctx, booking.point_id)
    if point is None:
        return _refused(Refused("mine.over"))
    return [
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
        Reply(
            text=_("Booking code: {code}", code=booking.code),
            buttons=_back_buttons(booking.id),
            keep=True,
        ),
    ]


# --- cancel --------------------------------------------------------------------------------


async def ask_cancel(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ids = _ids(msg, "mb:cancel:")
    if ids is None:
        return _refused()
    try:
        booking, slot = await mine.own_upcoming(await _sc(ctx), ids[0])
    except Refused as e:
        return _refused(e)
    text = _(
        "Cancel the visit {when} ({who}, code {code})? The seat will go to someone else.",
        when=texts.when(slot.starts_at, slot.ends_at),
        who=_visitor(booking),
        code=booking.code,
    )
    return [
        Reply(
            text=text,
            buttons=rows(
                Button(_("✅ Yes, cancel it"), f"mb:cancel!:{booking.id}"),
                Button(_("↩️ No, keep it"), f"mb:show:{booking.id}"),
            ),
            edit=True,
        )
    ]


async def do_cancel(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ids = _ids(msg, "mb:cancel!:")
    if ids is None:
        return _refused()
    try:
        booking, slot = await mine.cancel(await _sc(ctx), ids[0])
    except Refused as e:
        return _refused(e)
    text = _(
        "Done: the visit {when} (code {code}) is cancelled. Thank you for letting "
        "someone else have the seat.",
        when=texts.when(slot.starts_at, slot.ends_at),
        code=booking.code,
    )
    replies = [Reply(text=text, buttons=_back_buttons(), edit=True)]
    point = _point(ctx, booking.point_id)
    if point is not None:  # the file that takes the visit out of the phone's calendar
        replies.append(
            Reply(
                document=cards.calendar_document(
                    booking,
                    slot,
                    point,
                    ctx.config.tz,
                    ctx.now(),
                    alarm_hours=ctx.config.reminders.hours_before,
                    cancelled=True,
                )
            )
        )
    return replies


# --- change the time -----------------------------------------------------------------------


def _local_day(ctx: Ctx, slot: Slot) -> str:
    return slot.starts_at.astimezone(ctx.config.tz).date().isoformat()


async def choose_day(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ids = _ids(msg, "mb:resch:")
    if ids is None:
        return _refused()
    try:
        booking, slot, free = await mine.free_slots(await _sc(ctx), ids[0])
    except Refused as e:
        return _refused(e)
    days = sorted({_local_day(ctx, s) for s in free})
    if not days:
        return [
            Reply(
                text=_(
                    "There is no other free time at this point in the next {n} "
                    "days. Your visit stays as it is.",
                    n=mine.DAYS_AHEAD,
                ),
                buttons=_back_buttons(booking.id),
            )
        ]
    buttons = [
        Button(texts.day_label(date.fromisoformat(d)), f"mb:day:{booking.id}:{d}") for d in days
    ]
    return [
        Reply(
            text=_(
                "Your visit is {when}. Which day would you like instead?",
                when=texts.when(slot.starts_at, slot.ends_at),
            ),
            buttons=rows(*buttons) + _back_buttons(booking.id),
            edit=True,
        )
    ]


async def choose_time(msg: Incoming, ctx: Ctx) -> list[Reply]:
    booking_id, _sep, day = (msg.payload or "").removeprefix("mb:day:").partition(":")
    wanted = parse_id(booking_id)
    if wanted is None:
        return _refused()
    try:
        booking, slot, free = await mine.free_slots(await _sc(ctx), wanted)
    except Refused as e:
        return _refused(e)
    now = ctx.now()
    slots = [s for s in free if _local_day(ctx, s) == day]
    if not slots:
        return [
            Reply(
                text=_("That day has no free time any more. Please choose another."),
                buttons=rows(Button(_("🔁 Choose another day"), f"mb:resch:{booking.id}"))
                + _back_buttons(booking.id),
            )
        ]
    buttons = [
        Button(
            _(
                "{time} · {n} seats free",
                time=texts.clock(s.starts_at),
                n=capacity.room(s, priority=booking.priority_seat, now=now).free,
            ),
            f"mb:to:{booking.id}:{s.id}",
        )
        for s in slots
    ]
    return [
        Reply(
            text=_("{day}: which time?", day=texts.day_label(date.fromisoformat(day))),
            buttons=rows(*buttons) + _back_buttons(booking.id),
            edit=True,
        )
    ]


async def ask_move(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ids = _ids(msg, "mb:to:", 2)
    if ids is None:
        return _refused()
    try:
        sc = await _sc(ctx)
        booking, slot = await mine.own_upcoming(sc, ids[0])
        new_slot = await mine.new_slot_for(sc, booking, ids[1])
    except Refused as e:
        return _refused(e)
    text = _(
        "Move your visit (code {code})\nfrom: {old}\nto: {new}?",
        code=booking.code,
        old=texts.when(slot.starts_at, slot.ends_at),
        new=texts.when(new_slot.starts_at, new_slot.ends_at),
    )
    return [
        Reply(
            text=text,
            buttons=rows(
                Button(_("✅ Yes, move it"), f"mb:move!:{booking.id}:{new_slot.id}"),
                Button(_("↩️ No, keep it"), f"mb:show:{booking.id}"),
            ),
            edit=True,
        )
    ]


async def do_move(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ids = _ids(msg, "mb:move!:", 2)
    if ids is None:
        return _refused()
    try:
        booking, new_slot = await mine.move(await _sc(ctx), ids[0], ids[1])
    except Refused as e:
        return _refused(e, ids[0] if e.key == "mine.slot_full" else None)
    text = _(
        "Done: your visit is now {when}. The booking code stays {code}.",
        when=texts.when(new_slot.starts_at, new_slot.ends_at),
        code=booking.code,
    )
    replies = [Reply(text=text, buttons=_back_buttons(booking.id), keep=True)]
    point = _point(ctx, booking.point_id)
    if point is not None:
        replies.append(
            Reply(
                document=cards.calendar_document(
                    booking,
                    new_slot,
                    point,
                    ctx.config.tz,
                    ctx.now(),
                    alarm_hours=ctx.config.reminders.hours_before,
                )
            )
        )
    return replies


# --- home-visit requests -------------------------------------------------------------------

HOME_STATUS = {
    "new": N_("Waiting for an officer of the support team to take it."),
    "assigned": N_("An officer has taken it and will call to agree on a day."),
    "done": N_("The home visit is done."),
    "cancelled": N_("You cancelled this request."),
}


async def show_home_visit(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ids = _ids(msg, "mh:show:")
    if ids is None:
        return _refused()
    try:
        request = await mine.own_home_visit(await _sc(ctx), ids[0])
    except Refused as e:
        return _refused(e)
    names = texts.weekday_names()
    days = [names[d] for d in request.preferred_days if d in names]
    lines = [
        _("🏠 Home-visit request, code {code}", code=request.code or "—"),
        _(HOME_STATUS.get(request.status, HOME_STATUS["new"])),
        "",
        _(
            "👤 Person to visit: {name} ({who})",
            name=request.visitor_name or "",
            who=_("yourself") if request.for_self else _("a relative"),
        ),
        _("🏠 Home visit at: {address}", address=request.address or ""),
        _("📅 Preferred days: {days}", days=", ".join(days) if days else _("any day")),
    ]
    actions = []
    if request.status in mine.HOME_OPEN:
        actions.append(Button(_("❌ Cancel this request"), f"mh:cancel:{request.id}"))
    return [Reply(text="\n".join(lines), buttons=rows(*actions) + _back_buttons())]


async def ask_cancel_home_visit(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ids = _ids(msg, "mh:cancel:")
    if ids is None:
        return _refused()
    try:
        request = await mine.own_home_visit(await _sc(ctx), ids[0])
    except Refused as e:
        return _refused(e)
    if request.status not in mine.HOME_OPEN:
        return _refused(
            Refused("mine.cancelled" if request.status == "cancelled" else "mine.home_visit_done")
        )
    return [
        Reply(
            text=_(
                "Cancel the home-visit request for {name} (code {code})? The support team "
                "will no longer come.",
                name=request.visitor_name or "",
                code=request.code or "—",
            ),
            buttons=rows(
                Button(_("✅ Yes, cancel it"), f"mh:cancel!:{request.id}"),
                Button(_("↩️ No, keep it"), f"mh:show:{request.id}"),
            ),
        )
    ]


async def do_cancel_home_visit(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ids = _ids(msg, "mh:cancel!:")
    if ids is None:
        return _refused()
    try:
        request = await mine.cancel_home_visit(await _sc(ctx), ids[0])
    except Refused as e:
        return _refused(e)
    return [
        Reply(
            text=_(
                "Done: the home-visit request (code {code}) is cancelled.",
                code=request.code or "—",
            ),
            buttons=_back_buttons(),
        )
    ]


# --- waitlist ------------------------------------------------------------------------------


async def ask_leave(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ids = _ids(msg, "mb:leave:")
    if ids is None:
        return _refused()
    try:
        entry, slot = await mine.own_entry(await _sc(ctx), ids[0])
    except Refused as e:
        return _refused(e)
    text = _(
        "You are on the waitlist for {when} ({name}). Leave the waitlist?",
        when=texts.when(slot.starts_at, slot.ends_at),
        name=entry.details.get("name", ""),
    )
    return [
        Reply(
            text=text,
            buttons=rows(
                Button(_("✅ Yes, leave the waitlist"), f"mb:leave!:{entry.id}"),
                Button(_("↩️ No, keep waiting"), "mybk"),
            ),
            edit=True,
        )
    ]


async def do_leave(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ids = _ids(msg, "mb:leave!:")
    if ids is None:
        return _refused()
    try:
        await mine.leave_waitlist(await _sc(ctx), ids[0])
    except Refused as e:
        return _refused(e)
    return [Reply(text=_("Done: you have left the waitlist."), buttons=_back_buttons(), edit=True)]


# --- answers to a schedule change (the messages of bot/schedule/notices.py) ----------------


async def still_fine(msg: Incoming, ctx: Ctx) -> list[Reply]:
    """ "Still fine" under a moved visit: recorded for the officers."""
    ids = _ids(msg, "mb:ok:")
    if ids is None:
        return _refused()
    try:
        booking, slot = await mine.still_fine(await _sc(ctx), ids[0])
    except Refused as e:
        return _refused(e)
    when = texts.when(slot.starts_at, slot.ends_at)
    text = (
        _(
            "Thank you! See you at {when}. The booking code stays {code}.",
            when=when,
            code=booking.code,
        )
        if booking.for_self or not booking.visitor_name
        else _(
            "Thank you! We will see {name} at {when}. The booking code stays {code}.",
            name=booking.visitor_name,
            when=when,
            code=booking.code,
        )
    )
    return [Reply(text=text, buttons=_back_buttons(booking.id))]


async def ask_rebook(msg: Incoming, ctx: Ctx) -> list[Reply]:
    """A free time offered instead of a cancelled visit: book it with the same details?"""
    ids = _ids(msg, "mb:rebook:", 2)
    if ids is None:
        return _refused(Refused("mine.offer_gone"))
    try:
        booking, slot = await mine.rebook_offer(await _sc(ctx), ids[0], ids[1])
    except Refused as e:
        return _refused(e)
    text = _(
        "Book {when} {who}, with the same details as before?",
        when=texts.when(slot.starts_at, slot.ends_at),
        who=_visitor(booking),
    )
    return [
        Reply(
            text=text,
            buttons=rows(
                Button(_("✅ Yes, book it"), f"mb:rebook!:{booking.id}:{slot.id}"),
                Button(_("↩️ No"), "mybk"),
            ),
        )
    ]


async def do_rebook(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ids = _ids(msg, "mb:rebook!:", 2)
    if ids is None:
        return _refused(Refused("mine.offer_gone"))
    try:
        new, slot = await mine.rebook(
            await _sc(ctx), ids[0], ids[1], (msg.channel, msg.chat_id, ctx.locale)
        )
    except Refused as e:
        return _refused(e)
    text = _(
        "Done: your visit is now {when}. The booking code is {code}.",
        when=texts.when(slot.starts_at, slot.ends_at),
        code=new.code,
    )
    replies = [Reply(text=text, buttons=_back_buttons(new.id), edit=True, keep=True)]
    point = _point(ctx, new.point_id)
    if point is not None:
        replies.append(
            Reply(
                document=cards.calendar_document(
                    new,
                    slot,
                    point,
                    ctx.config.tz,
                    ctx.now(),
                    alarm_hours=ctx.config.reminders.hours_before,
                )
            )
        )
    return replies


router.command("mybookings", show_list)
router.payload("mybk", show_list, always=True)
router.payload("mb:show:", show_booking, always=True)
router.payload("mb:files:", send_files, always=True)
router.payload("mb:cancel:", ask_cancel, always=True)
router.payload("mb:cancel!:", do_cancel)
router.payload("mb:resch:", choose_day, always=True)
router.payload("mb:day:", choose_time)
router.payload("mb:to:", ask_move)
router.payload("mb:move!:", do_move)
router.payload("mh:show:", show_home_visit, always=True)
router.payload("mh:cancel:", ask_cancel_home_visit, always=True)
router.payload("mh:cancel!:", do_cancel_home_visit)
router.payload("mb:leave:", ask_leave, always=True)
router.payload("mb:leave!:", do_leave)
router.payload("mb:ok:", still_fine, always=True)
router.payload("mb:rebook:", ask_rebook, always=True)
router.payload("mb:rebook!:", do_rebook)
