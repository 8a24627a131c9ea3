"""Officers' schedule tools in the bot: "📅 Sessions" of my support points — see the coming
sessions, add one, cancel one with a reason, move one, change its seats, close a point for
some days, or send a schedule file — with the day's work in handlers/officer_daily.py
("📋 Today and tomorrow", "🏠 Home-visit requests").

Every payload here is accepted from anyone (`always=True`): the protection is the server-side
check in bot/schedule/ (`require_unit` for the session's or point's unit), and a refusal
changes nothing. Dialogs run one function per step (handlers/officer_schedule_steps.py) with
every transition in `TRANSITIONS`; the diagram is handlers/officer_schedule.md. What a
dialog gathers sits in the conversation state; "✅ Apply" acts only on that, never on ids in
the button.
"""

from __future__ import annotations

from datetime import date

from bot.booking import texts
from bot.ctx import Ctx, OfficerEntry
from bot.i18n import N_, _, ngettext
from bot.ids import parse_id
from bot.router import Router
from bot.schedule import files, moving, service
from bot.schedule.errors import Refused
from bot.schedule.placing import Shape, at, local_day
from bot.types import Button, Incoming, Reply, rows
from handlers import officer_daily
from handlers import officer_schedule_steps as steps
from handlers.officer import back_buttons, officer_action
from handlers.services import actor, places, render, service_context

router = Router()

STATE = "ofcs"
SESSIONS = "ofc:ss"
POINT = "ofc:sp:"
SESSION = "ofc:s:"
CANCEL = "ofc:sc:"
MOVE = "ofc:sm:"
SEATS = "ofc:sk:"
ADD = "ofc:sa:"
CLOSE = "ofc:sx:"
FILE = "ofc:sf:"
MAX_LISTED = 30  # session buttons in one list (a channel that shows fewer pages them)

MENU_ENTRY = OfficerEntry(SESSIONS, N_("📅 Sessions"))

# The first step of each dialog, and step → next step ("next" is the only event; a step
# that must not be asked returns "next" at once). Drawn in handlers/officer_schedule.md.
FIRST = {
    "cancel": "reason",
    "close": "first",
    "move": "point",
    "seats": "seats",
    "add": "day",
    "file": "file",
}
TRANSITIONS: dict[str, dict[str, str]] = {
    "cancel": {"reason": "confirm"},
    "close": {"first": "last", "last": "reason", "reason": "confirm"},
    "move": {"point": "day", "day": "start", "start": "why", "why": "confirm"},
    "seats": {"seats": "confirm"},
    "add": {
        "day": "start",
        "start": "end",
        "end": "slot",
        "slot": "seats",
        "seats": "priority",
        "priority": "confirm",
    },
    "file": {"file": "confirm"},
}


# --- small helpers -------------------------------------------------------------------------


def _id(payload: str | None, prefix: str) -> int | None:
    rest = (payload or "").removeprefix(prefix)
    return parse_id(rest)


def _point_buttons(point_id: str) -> tuple[tuple[Button, ...], ...]:
    return ((Button(_("⬅️ Sessions of this point"), POINT + point_id),),) + back_buttons()


def _refused(e: Refused, point_id: str | None = None) -> list[Reply]:
    buttons = _point_buttons(point_id) if point_id else back_buttons()
    return [Reply(text=render(e), buttons=buttons)]


def _session_label(view: service.SessionView) -> str:
    row = view.row
    when = f"{texts.day_label(row.starts_at)} {texts.time_range(row.starts_at, row.ends_at)}"
    if row.status == "cancelled":
        return _("❌ {when} · cancelled", when=when)
    if row.status == "moved":
        return _("↪️ {when} · moved", when=when)
    return _("{when} · {booked}/{seats} booked", when=when, booked=view.booked, seats=view.seats)


# --- lists ---------------------------------------------------------------------------------


@officer_action
async def my_points(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    if msg.payload not in (None, SESSIONS):
        return None
    (await actor(ctx)).require_officer()
    ctx.state.clear()
    points = await service.my_points(await service_context(ctx))
    if len(points) == 1:
        return await _point_view(ctx, points[0].id)
    if not points:
        return [
            Reply(
                text=_("Your communes and wards have no support points yet."),
                buttons=back_buttons(),
                edit=True,
            )
        ]
    buttons = [Button(f"📍 {p.name}", POINT + p.id) for p in points[:MAX_LISTED]]
    return [
        Reply(text=_("Which support point?"), buttons=rows(*buttons) + back_buttons(), edit=True)
    ]


@officer_action
async def point_sessions(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ctx.state.clear()
    try:
        return await _point_view(ctx, (msg.payload or "").removeprefix(POINT))
    except Refused as e:
        return _refused(e)


async def _point_view(ctx: Ctx, point_id: str) -> list[Reply]:
    views = await service.upcoming(await service_context(ctx), point_id)
    point = places(ctx).points[point_id]
    lines = [f"📍 {point.name}"]
    if views:
        lines.append(_("Sessions of the next {n} days:", n=service.LIST_DAYS))
        lines += [
            f"• {_session_label(v)}" + (f" — {v.row.note}" if v.row.note else "") for v in views
        ]
    else:
        lines.append(_("No sessions in the next {n} days.", n=service.LIST_DAYS))
    open_ = [v for v in views if v.row.status == "open"][:MAX_LISTED]
    buttons = [Button(_session_label(v), SESSION + str(v.row.id)) for v in open_]
    buttons += [
        Button(_("➕ Add a session"), ADD + point.id),
        Button(_("🚫 Close for some days"), CLOSE + point.id),
        Button(_("📄 Send a schedule file"), FILE + point.id),
    ]
    return [Reply(text="\n".join(lines), buttons=rows(*buttons) + back_buttons(), edit=True)]


@officer_action
async def session_card(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ctx.state.clear()
    session_id = _id(msg.payload, SESSION)
    try:
        if session_id is None:
            raise Refused("schedule.session_not_found")
        view = await service.session_for(await service_context(ctx), session_id)
    except Refused as e:
        return _refused(e)
    row = view.row
    point = places(ctx).points.get(row.point_id)
    lines = [
        f"📍 {point.name if point else row.point_id}",
        f"🗓 {texts.when(row.starts_at, row.ends_at)}",
        _(
            "Time slots of {m} minutes, {n} seats each ({p} kept for priority visitors).",
            m=row.slot_minutes,
            n=view.seats_per_slot,
            p=view.priority_per_slot,
        ),
        _(
            "Booked: {booked} of {seats}. Waiting: {waiting}.",
            booked=view.booked,
            seats=view.seats,
            waiting=view.waiting,
        ),
    ]
    buttons: list[Button] = []
    if row.status == "open" and row.starts_at > ctx.now():
        buttons += [
            Button(_("❌ Cancel this session"), CANCEL + str(row.id)),
            Button(_("🔁 Move it"), MOVE + str(row.id)),
            Button(_("👥 Change the seats"), SEATS + str(row.id)),
        ]
    buttons.append(
        Button(
            _("📋 Visitors of that day"),
            officer_daily.list_payload(row.point_id, local_day(row.starts_at, ctx.config.tz)),
        )
    )
    return [
        Reply(
            text="\n".join(lines), buttons=rows(*buttons) + _point_buttons(row.point_id), edit=True
        )
    ]


# --- the dialogs ---------------------------------------------------------------------------


STEPS: dict[str, steps.Step] = {}  # filled below, with `confirm`


async def _enter(step: str, ctx: Ctx, d: steps.Data) -> list[Reply]:
    """Arrive at `step` and ask its question (passing over steps that answer themselves)."""
    while True:
        result = await STEPS[step](None, ctx, d)
        if isinstance(result, str):
            step = TRANSITIONS[d["op"]][step]
            continue
        ctx.state.go(f"{STATE}.{step}", **d)
        return result


async def _begin(ctx: Ctx, op: str, **data) -> list[Reply]:
    ctx.state.clear()
    return await _enter(FIRST[op], ctx, {"op": op, **data})


@officer_action
async def on_message(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    """Every message while an officer is in a schedule dialog."""
    if msg.payload is not None and not msg.payload.startswith((steps.VALUE, steps.GO, steps.STOP)):
        return None  # another button (the menu, another view): its own handler answers
    return await _step(msg, ctx)


async def _step(msg: Incoming, ctx: Ctx) -> list[Reply]:
    (await actor(ctx)).require_officer()
    d = dict(ctx.state.data)
    step = ctx.state.name.removeprefix(f"{STATE}.")
    if msg.payload == steps.STOP or step not in STEPS or d.get("op") not in TRANSITIONS:
        return await _stop(ctx, d)
    try:
        result = await STEPS[step](msg, ctx, d)
        if isinstance(result, str):
            return await _enter(TRANSITIONS[d["op"]][step], ctx, d)
    except Refused as e:
        ctx.state.clear()
        return _refused(e, _point_of(ctx, d))
    if ctx.state.name.startswith(f"{STATE}."):
        ctx.state.go(ctx.state.name, **d)
    return result


async def _stop(ctx: Ctx, d: steps.Data) -> list[Reply]:
    ctx.state.clear()
    point_id = _point_of(ctx, d)
    return [
        Reply(
            text=_("Stopped: nothing was changed."),
            buttons=_point_buttons(point_id) if point_id else back_buttons(),
        )
    ]


def _point_of(ctx: Ctx, d: steps.Data) -> str | None:
    point_id = d.get("point_id") or d.get("from_point")
    return point_id if point_id in places(ctx).points else None


@officer_action
async def stray(msg: Incoming, ctx: Ctx) -> list[Reply]:
    """ "✅ Apply", "✖️ Stop" or an answer button outside a dialog (an old message)."""
    ctx.state.clear()
    return [
        Reply(text=_("That question is no longer open, so I did nothing."), buttons=back_buttons())
    ]


def _confirm_buttons() -> tuple[tuple[Button, ...], ...]:
    return rows(Button(_("✅ Apply"), steps.GO), Button(_("✖️ Stop"), steps.STOP))


async def confirm(msg: Incoming | None, ctx: Ctx, d: steps.Data) -> steps.StepResult:
    """Show what will happen; on "✅ Apply", do it (with what the state holds)."""
    if msg is not None and msg.payload == steps.GO:
        text = await DO[d["op"]](ctx, d)
        point_id = _point_of(ctx, d)
        ctx.state.clear()
        return [Reply(text=text, buttons=_point_buttons(point_id) if point_id else back_buttons())]
    text = await PREVIEW[d["op"]](ctx, d)
    if msg is not None:
        text = _("Please press “✅ Apply” or “✖️ Stop”.") + "\n\n" + text
    return [Reply(text=text, buttons=_confirm_buttons())]


# --- ways in -------------------------------------------------------------------------------


async def _with_session(msg: Incoming, ctx: Ctx, prefix: str, op: str) -> list[Reply]:
    session_id = _id(msg.payload, prefix)
    try:
        if session_id is None:
            raise Refused("schedule.session_not_found")
        view = await service.session_for(await service_context(ctx), session_id)
        service.not_changeable(view, ctx.now())
    except Refused as e:
        return _refused(e)
    return await _begin(ctx, op, session_id=view.row.id, from_point=view.row.point_id)


async def _with_point(msg: Incoming, ctx: Ctx, prefix: str, op: str) -> list[Reply]:
    try:
        point = await service.point_for(
            await service_context(ctx), (msg.payload or "").removeprefix(prefix)
        )
    except Refused as e:
        return _refused(e)
    return await _begin(ctx, op, point_id=point.id)


@officer_action
async def start_cancel(msg: Incoming, ctx: Ctx) -> list[Reply]:
    return await _with_session(msg, ctx, CANCEL, "cancel")


@officer_action
async def start_move(msg: Incoming, ctx: Ctx) -> list[Reply]:
    return await _with_session(msg, ctx, MOVE, "move")


@officer_action
async def start_seats(msg: Incoming, ctx: Ctx) -> list[Reply]:
    return await _with_session(msg, ctx, SEATS, "seats")


@officer_action
async def start_add(msg: Incoming, ctx: Ctx) -> list[Reply]:
    return await _with_point(msg, ctx, ADD, "add")


@officer_action
async def start_close(msg: Incoming, ctx: Ctx) -> list[Reply]:
    return await _with_point(msg, ctx, CLOSE, "close")


@officer_action
async def start_file(msg: Incoming, ctx: Ctx) -> list[Reply]:
    return await _with_point(msg, ctx, FILE, "file")


# --- what each dialog shows before, and does ----------------------------------------------


def _when(view: service.SessionView) -> str:
    return texts.when(view.row.starts_at, view.row.ends_at)


def _told(bookings: int, waiting: int) -> str:
    return (
        ngettext("{n} booked visitor", "{n} booked visitors", bookings)
        + ", "
        + ngettext("{n} person waiting", "{n} people waiting", waiting)
    )


async def _preview_cancel(ctx: Ctx, d: steps.Data) -> str:
    view, bookings, waiting = await service.session_affected(
        await service_context(ctx), d["session_id"]
    )
    return _(
        "Cancel the session {when}?\nReason: {reason}\n{told} will get a message with "
        "your reason and the next free times.",
        when=_when(view),
        reason=d["reason"],
        told=_told(bookings, waiting),
    )


async def _do_cancel(ctx: Ctx, d: steps.Data) -> str:
    done = await service.cancel_session(await service_context(ctx), d["session_id"], d["reason"])
    return _(
        "Done: the session is cancelled. {told} will be told.",
        told=_told(done.bookings, done.waiting),
    )


async def _preview_close(ctx: Ctx, d: steps.Data) -> str:
    first, last = date.fromisoformat(d["first"]), date.fromisoformat(d["last"])
    sessions, bookings, waiting = await service.close_preview(
        await service_context(ctx), d["point_id"], first, last
    )
    if not sessions:
        raise Refused("schedule.nothing_to_close")
    point = places(ctx).points[d["point_id"]]
    return _(
        "Close {point} from {first} to {last}?\nReason: {reason}\n{sessions} will be "
        "cancelled; {told} will get a message.",
        point=point.name,
        first=texts.day_label(first),
        last=texts.day_label(last),
        reason=d["reason"],
        sessions=ngettext("{n} session", "{n} sessions", sessions),
        told=_told(bookings, waiting),
    )


async def _do_close(ctx: Ctx, d: steps.Data) -> str:
    done = await service.close_point(
        await service_context(ctx),
        d["point_id"],
        date.fromisoformat(d["first"]),
        date.fromisoformat(d["last"]),
        d["reason"],
    )
    return _(
        "Done: {sessions} cancelled. {told} will be told.",
        sessions=ngettext("{n} session", "{n} sessions", done.sessions),
        told=_told(done.bookings, done.waiting),
    )


async def _preview_move(ctx: Ctx, d: steps.Data) -> str:
    view, bookings, waiting = await service.session_affected(
        await service_context(ctx), d["session_id"]
    )
    points = places(ctx).points
    starts_at = at(date.fromisoformat(d["day"]), steps.hhmm(d["start"]), ctx.config.tz)
    ends_at = starts_at + (view.row.ends_at - view.row.starts_at)
    text = _(
        "Move the session\nfrom: {old} ({old_point})\nto: {new} ({new_point})?\n{told} "
        "will be told and asked if the new time is still fine.",
        old=_when(view),
        old_point=points[view.row.point_id].name,
        new=texts.when(starts_at, ends_at),
        new_point=points[d["point_id"]].name,
        told=_told(bookings, waiting),
    )
    if d.get("told") is not None:  # short notice: the count and the reason, once more
        text += "\n\n" + ngettext(
            "⚠️ Short notice: {n} person will be told at once. Reason: {reason}",
            "⚠️ Short notice: {n} people will be told at once. Reason: {reason}",
            d["told"],
            reason=d.get("reason", ""),
        )
    return text


async def _do_move(ctx: Ctx, d: steps.Data) -> str:
    done = await moving.move_session(
        await service_context(ctx),
        d["session_id"],
        date.fromisoformat(d["day"]),
        steps.hhmm(d["start"]),
        d["point_id"],
        reason=d.get("reason"),
        confirmed_told=d.get("told"),
    )
    return _(
        "Done: the session is moved. {told} will be told.", told=_told(done.bookings, done.waiting)
    )


async def _preview_seats(ctx: Ctx, d: steps.Data) -> str:
    view = await service.session_for(await service_context(ctx), d["session_id"])
    return _(
        "Change the session {when} from {old} to {new} seats per time slot?",
        when=_when(view),
        old=view.seats_per_slot,
        new=d["seats"],
    )


async def _do_seats(ctx: Ctx, d: steps.Data) -> str:
    done = await service.change_capacity(await service_context(ctx), d["session_id"], d["seats"])
    text = _("Done: each time slot now has {n} seats.", n=d["seats"])
    if done.promoted:
        text += " " + ngettext(
            "{n} person waiting got a seat and will be told.",
            "{n} people waiting got a seat and will be told.",
            done.promoted,
        )
    return text


def _shape(d: steps.Data) -> Shape:
    return Shape(
        d["point_id"],
        date.fromisoformat(d["day"]),
        steps.hhmm(d["start"]),
        steps.hhmm(d["end"]),
        d["slot_minutes"],
        d["seats"],
        d["priority"],
    )


async def _preview_add(ctx: Ctx, d: steps.Data) -> str:
    shape = _shape(d)
    point = places(ctx).points[shape.point_id]
    return _(
        "Add a session at {point}:\n🗓 {day}, {start}–{end}\nTime slots of {m} minutes, "
        "{n} seats each ({p} kept for priority visitors)?",
        point=point.name,
        day=texts.day_label(shape.day),
        start=d["start"],
        end=d["end"],
        m=d["slot_minutes"],
        n=d["seats"],
        p=d["priority"],
    )


async def _do_add(ctx: Ctx, d: steps.Data) -> str:
    row = await service.add_session(await service_context(ctx), _shape(d))
    return _(
        "Done: the session {when} is open for booking.",
        when=texts.when(row.starts_at, row.ends_at),
    )


async def _preview_file(ctx: Ctx, d: steps.Data) -> str:
    return (
        _("This file will make these changes:") + "\n" + d["summary"] + "\n\n" + _("Apply them?")
    )


async def _do_file(ctx: Ctx, d: steps.Data) -> str:
    plan, applied = await files.apply(
        await service_context(ctx), d["point_id"], steps.file_document(d), d["seen"]
    )
    if applied:
        return _("Done: {summary}", summary=steps.summary_text(plan))
    if plan.problems:
        return steps.problems_text(plan)
    return _(
        "The schedule changed since you sent the file, so I changed nothing. Please send "
        "it again to see the new preview."
    )


PREVIEW = {
    "cancel": _preview_cancel,
    "close": _preview_close,
    "move": _preview_move,
    "seats": _preview_seats,
    "add": _preview_add,
    "file": _preview_file,
}
DO = {
    "cancel": _do_cancel,
    "close": _do_close,
    "move": _do_move,
    "seats": _do_seats,
    "add": _do_add,
    "file": _do_file,
}
STEPS.update(
    {
        "reason": steps.reason,
        "first": steps.first_day,
        "last": steps.last_day,
        "day": steps.day,
        "start": steps.start,
        "why": steps.why,
        "end": steps.end,
        "slot": steps.slot_minutes,
        "seats": steps.seats,
        "priority": steps.priority_seats,
        "point": steps.target_point,
        "file": steps.schedule_file,
        "confirm": confirm,
    }
)


router.state(STATE, on_message)
router.payload(SESSIONS, my_points, always=True)
router.payload(POINT, point_sessions, always=True)
router.payload(SESSION, session_card, always=True)
router.payload(CANCEL, start_cancel, always=True)
router.payload(MOVE, start_move, always=True)
router.payload(SEATS, start_seats, always=True)
router.payload(ADD, start_add, always=True)
router.payload(CLOSE, start_close, always=True)
router.payload(FILE, start_file, always=True)
router.payload(steps.VALUE, stray, always=True)
router.payload(steps.GO, stray, always=True)
router.payload(steps.STOP, stray, always=True)
router.include(officer_daily.router)
