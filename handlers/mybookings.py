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

from datetime import date, timedelta

from sqlalchemy import update

from bot.booking import capacity, cards, queries, service, texts
from bot.ctx import Ctx, MenuEntry
from bot.db import rowcount
from bot.db.booking_models import Booking, Slot, WaitlistEntry
from bot.i18n import N_, _
from bot.points.model import Point
from bot.router import Router
from bot.schedule import answers
from bot.types import Button, Incoming, Reply, rows

router = Router()
DAYS_AHEAD = 14

MENU_ENTRY = MenuEntry(
    "mybk",
    N_("🗓 My bookings"),
    N_("See, cancel or change the visits you booked, also for relatives."),
    visible=lambda ctx: ctx is None or bool(ctx.services.get("places")),
)


def _ids(msg: Incoming, prefix: str, count: int = 1) -> list[int] | None:
    parts = (msg.payload or "").removeprefix(prefix).split(":")
    if len(parts) != count or not all(p.isdigit() and len(p) < 12 for p in parts):
        return None
    return [int(p) for p in parts]


def _point(ctx: Ctx, point_id: str) -> Point | None:
    return ctx.services["places"].points.get(point_id)


def _back_buttons(booking_id: int | None = None) -> tuple[tuple[Button, ...], ...]:
    back = [Button(_("⬅️ Back to this visit"), f"mb:show:{booking_id}")] if booking_id else []
    return rows(*back, Button(_("🗓 My bookings"), "mybk"), Button(_("🏠 Menu"), "menu"))


def _refused(ctx: Ctx) -> list[Reply]:
    return [
        Reply(
            text=_("I could not find that visit among your bookings, so I did nothing."),
            buttons=_back_buttons(),
        )
    ]


def _visitor(booking: Booking) -> str:
    return _("for you") if booking.for_self else _("for {name}", name=booking.visitor_name or "")


async def _own(
    ctx: Ctx, msg: Incoming, prefix: str, *, lock: bool = False, count: int = 1
) -> tuple[Booking, Slot, list[int]] | None:
    """The user's own booking named by the payload, with its slot; None for anyone else's."""
    ids = _ids(msg, prefix, count)
    return await _own_by_id(ctx, ids, lock=lock) if ids else None


async def _own_by_id(
    ctx: Ctx, ids: list[int], *, lock: bool = False
) -> tuple[Booking, Slot, list[int]] | None:
    booking = await service.own_booking(ctx.session, ids[0], ctx.user.id, lock=lock)
    if booking is None:
        return None
    return booking, await ctx.session.get_one(Slot, booking.slot_id), ids


def _is_upcoming(ctx: Ctx, booking: Booking, slot: Slot) -> bool:
    return booking.status == "confirmed" and slot.starts_at > ctx.now()


def _not_upcoming(ctx: Ctx, booking: Booking) -> list[Reply]:
    text = (
        _("This visit was cancelled, so I did nothing.")
        if booking.status == "cancelled"
        else _("This visit is over, so I did nothing.")
    )
    return [Reply(text=text, buttons=_back_buttons())]


async def _own_upcoming(
    ctx: Ctx, msg: Incoming, prefix: str, *, lock: bool = False, count: int = 1
) -> tuple[Booking, Slot, list[int]] | list[Reply]:
    """The user's own upcoming booking named by the payload, or the polite refusal to send."""
    found = await _own(ctx, msg, prefix, lock=lock, count=count)
    if found is None:
        return _refused(ctx)
    booking, slot, _ids_ = found
    if not _is_upcoming(ctx, booking, slot):
        return _not_upcoming(ctx, booking)
    return found


# --- the list and one visit ----------------------------------------------------------------


async def show_list(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    if msg.payload not in (None, "mybk"):
        return None
    ctx.state.clear()
    now = ctx.now()
    bookings = await queries.upcoming_bookings(ctx.session, ctx.user.id, now)
    waiting = await queries.waiting(ctx.session, ctx.user.id, now)
    if not bookings and not waiting:
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
    text = _("Your upcoming visits. Choose one to see it, cancel it or change the time:")
    return [
        Reply(
            text=text,
            buttons=rows(*buttons, Button(_("🏠 Menu"), "menu")),
            edit=msg.payload is not None,
        )
    ]


async def show_booking(msg: Incoming, ctx: Ctx) -> list[Reply]:
    found = await _own(ctx, msg, "mb:show:")
    if found is None:
        return _refused(ctx)
    booking, slot, _ids_ = found
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
    if not _is_upcoming(ctx, booking, slot):
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
    found = await _own(ctx, msg, "mb:files:")
    if found is None:
        return _refused(ctx)
    booking, slot, _ids_ = found
    point = _point(ctx, booking.point_id)
    if point is None or not _is_upcoming(ctx, booking, slot):
        return _not_upcoming(ctx, booking)
    return [
        Reply(document=cards.calendar_document(booking, slot, point, ctx.config.tz, ctx.now())),
        Reply(location=cards.venue(point)),
        Reply(
            text=_("Booking code: {code}", code=booking.code), buttons=_back_buttons(booking.id)
        ),
    ]


# --- cancel --------------------------------------------------------------------------------


async def ask_cancel(msg: Incoming, ctx: Ctx) -> list[Reply]:
    found = await _own_upcoming(ctx, msg, "mb:cancel:")
    if isinstance(found, list):
        return found
    booking, slot, _ids_ = found
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
    found = await _own_upcoming(ctx, msg, "mb:cancel!:", lock=True)
    if isinstance(found, list):
        return found
    booking, slot, _ids_ = found
    await service.cancel(ctx.session, booking, ctx.now(), ctx.services["places"])
    text = _(
        "Done: the visit {when} (code {code}) is cancelled. Thank you for letting "
        "someone else have the seat.",
        when=texts.when(slot.starts_at, slot.ends_at),
        code=booking.code,
    )
    return [Reply(text=text, buttons=_back_buttons(), edit=True)]


# --- change the time -----------------------------------------------------------------------


async def _free_slots(ctx: Ctx, booking: Booking, slot: Slot) -> list[Slot]:
    now = ctx.now()
    slots = await queries.slots_between(
        ctx.session, booking.point_id, now, now + timedelta(days=DAYS_AHEAD)
    )
    return [
        s
        for s in slots
        if s.id != slot.id and not capacity.room(s, priority=booking.priority_seat, now=now).full
    ]


def _local_day(ctx: Ctx, slot: Slot) -> str:
    return slot.starts_at.astimezone(ctx.config.tz).date().isoformat()


async def choose_day(msg: Incoming, ctx: Ctx) -> list[Reply]:
    found = await _own_upcoming(ctx, msg, "mb:resch:")
    if isinstance(found, list):
        return found
    booking, slot, _ids_ = found
    days = sorted({_local_day(ctx, s) for s in await _free_slots(ctx, booking, slot)})
    if not days:
        return [
            Reply(
                text=_(
                    "There is no other free time at this point in the next {n} "
                    "days. Your visit stays as it is.",
                    n=DAYS_AHEAD,
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
    found = await _own_by_id(ctx, [int(booking_id)]) if booking_id.isdigit() else None
    if found is None:
        return _refused(ctx)
    booking, slot, _ids_ = found
    if not _is_upcoming(ctx, booking, slot):
        return _not_upcoming(ctx, booking)
    now = ctx.now()
    slots = [s for s in await _free_slots(ctx, booking, slot) if _local_day(ctx, s) == day]
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
    found = await _own_upcoming(ctx, msg, "mb:to:", count=2)
    if isinstance(found, list):
        return found
    booking, slot, (_bid, new_slot_id) = found
    new_slot = await ctx.session.get(Slot, new_slot_id)
    if new_slot is None or new_slot.point_id != booking.point_id:
        return _refused(ctx)
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
    found = await _own_upcoming(ctx, msg, "mb:move!:", lock=True, count=2)
    if isinstance(found, list):
        return found
    booking, slot, (_bid, new_slot_id) = found
    places = ctx.services["places"]
    if not await service.move(ctx.session, booking, new_slot_id, ctx.now(), places):
        return [
            Reply(
                text=_("Sorry, that time has just filled up. Your visit stays as it was."),
                buttons=rows(Button(_("🔁 Choose another time"), f"mb:resch:{booking.id}"))
                + _back_buttons(booking.id),
            )
        ]
    new_slot = await ctx.session.get_one(Slot, new_slot_id, populate_existing=True)
    text = _(
        "Done: your visit is now {when}. The booking code stays {code}.",
        when=texts.when(new_slot.starts_at, new_slot.ends_at),
        code=booking.code,
    )
    replies = [Reply(text=text, buttons=_back_buttons(booking.id))]
    point = _point(ctx, booking.point_id)
    if point is not None:
        replies.append(
            Reply(
                document=cards.calendar_document(
                    booking, new_slot, point, ctx.config.tz, ctx.now()
                )
            )
        )
    return replies


# --- waitlist ------------------------------------------------------------------------------


async def _own_entry(ctx: Ctx, msg: Incoming, prefix: str) -> WaitlistEntry | None:
    ids = _ids(msg, prefix)
    entry = await ctx.session.get(WaitlistEntry, ids[0]) if ids else None
    return entry if entry is not None and entry.user_id == ctx.user.id else None


async def ask_leave(msg: Incoming, ctx: Ctx) -> list[Reply]:
    entry = await _own_entry(ctx, msg, "mb:leave:")
    if entry is None or entry.status != "waiting":
        return _refused(ctx)
    slot = await ctx.session.get_one(Slot, entry.slot_id)
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
    entry = await _own_entry(ctx, msg, "mb:leave!:")
    if entry is None:
        return _refused(ctx)
    # Conditional, so a promotion committed a moment ago is never undone.
    left = await ctx.session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry.id, WaitlistEntry.status == "waiting")
        .values(status="left", details={}, updated_at=ctx.now())
    )
    if rowcount(left) != 1:
        return [
            Reply(
                text=_(
                    "You are no longer on this waitlist: if a seat came free, it is "
                    "in your bookings."
                ),
                buttons=_back_buttons(),
            )
        ]
    return [Reply(text=_("Done: you have left the waitlist."), buttons=_back_buttons(), edit=True)]


# --- answers to a schedule change (the messages of bot/schedule/notices.py) ----------------


async def still_fine(msg: Incoming, ctx: Ctx) -> list[Reply]:
    """ "Still fine" under a moved visit: recorded for the officers."""
    ids = _ids(msg, "mb:ok:")
    booking = (
        await answers.acknowledge(ctx.session, ids[0], ctx.user.id, ctx.now()) if ids else None
    )
    if booking is None:
        return _refused(ctx)
    slot = await ctx.session.get_one(Slot, booking.slot_id)
    return [
        Reply(
            text=_(
                "Thank you! See you {when}. The booking code stays {code}.",
                when=texts.when(slot.starts_at, slot.ends_at),
                code=booking.code,
            ),
            buttons=_back_buttons(booking.id),
        )
    ]


async def _rebook_offer(msg: Incoming, ctx: Ctx, prefix: str) -> tuple[Booking, Slot] | None:
    ids = _ids(msg, prefix, 2)
    return (
        await answers.rebook_offer(ctx.session, ids[0], ids[1], ctx.user.id, ctx.now())
        if ids
        else None
    )


def _no_rebook() -> list[Reply]:
    return [
        Reply(
            text=_(
                "That time can no longer be booked from this message: it was taken, "
                "or another time is already booked. You can book a visit again."
            ),
            buttons=rows(Button(_("📅 Book a visit"), "book")) + _back_buttons(),
        )
    ]


async def ask_rebook(msg: Incoming, ctx: Ctx) -> list[Reply]:
    """A free time offered instead of a cancelled visit: book it with the same details?"""
    found = await _rebook_offer(msg, ctx, "mb:rebook:")
    if found is None:
        return _no_rebook()
    booking, slot = found
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
    found = await _rebook_offer(msg, ctx, "mb:rebook!:")
    if found is None:
        return _no_rebook()
    booking, slot = found
    booker = service.Booker(ctx.user.id, msg.channel, msg.chat_id, ctx.locale)
    new = await answers.rebook(ctx.session, booking, slot, booker, ctx.now())
    if new is None:
        return [
            Reply(
                text=_("Sorry, that time has just filled up. Please choose another time."),
                buttons=rows(Button(_("📅 Book a visit"), "book")) + _back_buttons(),
            )
        ]
    text = _(
        "Done: your visit is now {when}. The booking code is {code}.",
        when=texts.when(slot.starts_at, slot.ends_at),
        code=new.code,
    )
    replies = [Reply(text=text, buttons=_back_buttons(new.id), edit=True)]
    point = _point(ctx, new.point_id)
    if point is not None:
        replies.append(
            Reply(document=cards.calendar_document(new, slot, point, ctx.config.tz, ctx.now()))
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
router.payload("mb:leave:", ask_leave, always=True)
router.payload("mb:leave!:", do_leave)
router.payload("mb:ok:", still_fine, always=True)
router.payload("mb:rebook:", ask_rebook, always=True)
router.payload("mb:rebook!:", do_rebook)
