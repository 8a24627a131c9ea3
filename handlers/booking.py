"""The booking dialog: for me or a relative → where → needs → (does the point suit them?) →
day → time → name → phone → help → priority → consent → summary → confirm; or, for a
priority visitor who cannot travel, a home-visit request instead of a time (who qualifies
asked first). One async function per step, every
transition in `TRANSITIONS`; the diagram is handlers/booking.md.

The step functions live in handlers/booking_steps.py; this module joins them (`STEPS`,
`TRANSITIONS`, `SKIP_IF`) and runs the dialog. The form is kept in the database
(bot/booking/drafts.py) at every step, so Back returns with everything typed, and /cancel or
/menu leaves it ready to continue within the idle timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.booking import calendar, drafts, jobs, notices
from bot.ctx import Ctx, MenuEntry
from bot.i18n import N_, _
from bot.outbox import runtime
from bot.router import Router
from bot.types import Button, Incoming, Reply, rows
from handlers import booking_steps as steps
from handlers import menu
from handlers.booking_steps import Draft, Step

if TYPE_CHECKING:
    from bot.core import Core

router = Router()

STATE = "booking"

MENU_ENTRY = MenuEntry(
    "book",
    N_("📅 Book a visit"),
    N_("Book a visit to a digital-support point, for yourself or a relative."),
    visible=lambda ctx: ctx is None or _has_points(ctx),
)


def _has_points(ctx: Ctx) -> bool:
    places = ctx.services.get("places")
    return places is not None and bool(places.points)


def still_stuck(guide, ctx: Ctx) -> list[Button]:
    """At a guide's end: someone who is still stuck can book help in person."""
    if not _has_points(ctx):
        return []
    return [Button(_("🙋 Still stuck? Book a visit"), "book")]


async def setup(core: Core) -> None:
    """Open the coming weeks for booking now, then keep them open (daily job), and release
    held seats to people waiting (every few minutes)."""
    runtime.template(core, notices.PROMOTED, notices.render_promoted)
    await jobs.daily(core)
    jobs.schedule(jobs.scheduler(core), core)
    runtime.template(core, calendar.TEMPLATE, calendar.render)
    store = core.services.get("content")
    if store is not None:  # content reload: new and changed points are bookable at once
        store.after_reload(lambda before: jobs.after_reload(core, before))


STEPS: dict[str, Step] = {
    "who": steps.who,
    "where": steps.where,
    "day": steps.day,
    "time": steps.time,
    "name": steps.name,
    "phone": steps.phone,
    "help": steps.help_topic,
    "help_note": steps.help_note,
    "priority": steps.priority,
    "needs": steps.needs,
    "access": steps.access,
    "home_who": steps.home_who,
    "no_home": steps.no_home,
    "address": steps.address,
    "days": steps.days,
    "consent": steps.consent,
    "summary": steps.summary,
    "full": steps.full,
}

# step → event → next step. A step not listed for an event ends the dialog (its function
# has already answered). Drawn in handlers/booking.md.
TRANSITIONS: dict[str, dict[str, str]] = {
    "who": {"next": "where"},
    "where": {"next": "needs"},
    "needs": {"next": "access"},
    "access": {"next": "day", "moved": "access", "home": "home_who", "other_point": "where"},
    "day": {"next": "time", "home": "home_who", "other_point": "where"},
    "home_who": {"next": "name", "not_eligible": "no_home"},
    "time": {"next": "name", "resume": "summary", "other_day": "day"},
    "name": {"next": "phone"},
    "phone": {"next": "help"},
    "help": {"next": "priority", "other": "help_note"},
    "help_note": {"next": "priority"},
    "priority": {"next": "consent", "home": "address", "not_eligible": "no_home"},
    "no_home": {"slot": "access"},
    "address": {"next": "days"},
    "days": {"next": "consent"},
    "consent": {"next": "summary"},
    "summary": {"full": "full"},
    "full": {"other": "day"},
}

# Steps passed over on the way forward when their answer is already known.
SKIP_IF: dict[str, Callable[[Ctx, Draft], bool]] = {
    "where": lambda ctx, d: steps.point_of(ctx, d) is not None,
}


# --- the engine ----------------------------------------------------------------------------


async def _enter(step: str, ctx: Ctx, d: Draft, *, forward: bool = True) -> list[Reply]:
    """Arrive at `step` (passing over known answers going forward) and ask its question."""
    while True:
        skip = SKIP_IF.get(step)
        if forward and skip is not None and skip(ctx, d):
            step = TRANSITIONS[step]["next"]
            continue
        result = await STEPS[step](None, ctx, d)
        if isinstance(result, str):  # nothing to ask here (e.g. the point has gone)
            step = TRANSITIONS[step][result]
            continue
        await _keep(step, ctx, d)
        return result


async def _keep(step: str, ctx: Ctx, d: Draft) -> None:
    d["step"] = step
    ctx.state.go(f"{STATE}.{step}")
    await drafts.save(ctx.session, ctx.user.id, d, ctx.now())


async def _back(ctx: Ctx, d: Draft) -> list[Reply]:
    trail = d.get("trail", [])
    if not trail:
        return await _leave(ctx)
    d["trail"] = trail[:-1]
    return await _enter(trail[-1], ctx, d, forward=False)


async def _leave(ctx: Ctx) -> list[Reply]:
    ctx.state.clear()
    return [
        menu.menu_reply(
            ctx, _("Stopped. I kept what you typed: choose “📅 Book a visit” to continue.")
        )
    ]


async def on_message(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    """Every message while the user is in the booking dialog."""
    if msg.payload is not None and not msg.payload.startswith("bk:"):
        return None  # another feature's button (the menu, help): theirs to answer
    step = ctx.state.name.removeprefix(f"{STATE}.")
    d = await drafts.load(ctx.session, ctx.user.id, ctx.now(), _idle(ctx))
    if d is None or step not in STEPS:
        ctx.state.clear()
        return [
            menu.menu_reply(
                ctx, _("This booking form is no longer open. Please start again from the menu:")
            )
        ]
    if msg.payload == "bk:back":
        return await _back(ctx, d)
    if msg.payload == "bk:cancel":
        return await _leave(ctx)
    result = await STEPS[step](msg, ctx, d)
    if isinstance(result, str):
        d["trail"] = [*d.get("trail", []), step]
        return await _enter(TRANSITIONS[step][result], ctx, d)
    if ctx.state.name.startswith(f"{STATE}."):
        await _keep(step, ctx, d)
    return result


def _idle(ctx: Ctx) -> timedelta:
    return timedelta(minutes=ctx.config.bot.idle_timeout_minutes)


# --- ways in -------------------------------------------------------------------------------


async def _start(ctx: Ctx, d: Draft) -> list[Reply]:
    await drafts.drop(ctx.session, ctx.user.id)
    return await _enter("who", ctx, {"trail": [], **d})


async def open_booking(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    """ "📅 Book a visit" or /book: continue an unfinished form, or start one."""
    if msg.payload not in (None, "book"):
        return None
    if not _has_points(ctx):
        return [menu.menu_reply(ctx, _("There are no support points to book yet."))]
    ctx.state.clear()
    d = await drafts.load(ctx.session, ctx.user.id, ctx.now(), _idle(ctx))
    if d is None or d.get("step") not in STEPS:
        return await _start(ctx, {})
    lines = [_("You started a booking earlier. Would you like to continue where you left off?")]
    if point := steps.point_of(ctx, d):
        lines.append(f"📍 {point.name}")
    return [
        Reply(
            text="\n".join(lines),
            buttons=rows(
                Button(_("▶️ Continue my booking"), "bk:resume"),
                Button(_("🆕 Start a new booking"), "bk:new"),
                Button(_("🏠 Menu"), "menu"),
            ),
        )
    ]


async def resume(msg: Incoming, ctx: Ctx) -> list[Reply]:
    d = await drafts.load(ctx.session, ctx.user.id, ctx.now(), _idle(ctx))
    if d is None or d.get("step") not in STEPS:
        return await _start(ctx, {})
    return await _enter(d["step"], ctx, d, forward=False)


async def start_new(msg: Incoming, ctx: Ctx) -> list[Reply]:
    return await _start(ctx, {})


async def start_booking_at(point_id: str, msg: Incoming, ctx: Ctx) -> list[Reply]:
    """Start booking at a known point (its card, or `/start p_<point>` from a QR poster)."""
    if point_id not in steps.places_of(ctx).points:
        return await _start(ctx, {})
    return await _start(ctx, {"point_id": point_id})


router.state(STATE, on_message)
router.command("book", open_booking)
router.payload("book", open_booking, always=True)
router.payload("bk:resume", resume)
router.payload("bk:new", start_new)
