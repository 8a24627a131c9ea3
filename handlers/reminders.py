"""Reminders, the user's side: "✅ I'll come" under a reminder, and two Settings entries —
reminders on/off and quiet hours (the usual ones, a few others, or none).

"I'll come" is accepted from an old message (`always=True`) but only for the user's own
upcoming booking. Cancel and Change the time under a reminder are My bookings' own buttons
(handlers/mybookings.py). A settings change re-plans the user's reminders at once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot import reminders
from bot.booking import mine, privacy
from bot.ctx import Ctx, SettingEntry
from bot.db import rowcount
from bot.db.models import User
from bot.db.reminder_models import ReminderSetting
from bot.i18n import N_, _
from bot.ids import parse_id
from bot.reminders import plan
from bot.reminders import render as render_reminder
from bot.reminders.plan import DAY
from bot.reminders.render import COME
from bot.reminders.settings import QUIET_OFF, configured_quiet, parse_quiet, prefs, row_of, save
from bot.router import Router
from bot.services.errors import Refused
from bot.types import Button, Incoming, Reply, rows
from handlers import settings
from handlers.services import render, service_context

if TYPE_CHECKING:
    from bot.core import Core

router = Router()
OPEN, ON, OFF = "rem:set", "rem:on", "rem:off"
QUIET, QUIET_CHOICE = "rem:quiet", "rem:q:"
# The quiet hours a user may choose (never typed in: fewer mistakes on a small phone).
PRESETS: dict[str, str | None] = {
    "usual": None,
    "20-07": "20:00-07:00",
    "22-06": "22:00-06:00",
    "19-08": "19:00-08:00",
    "off": QUIET_OFF,
}


async def setup(core: Core) -> None:
    reminders.setup(core)


def _span(quiet) -> str:
    start, end = quiet
    return f"{start:%H:%M}–{end:%H:%M}"


def _quiet_text(quiet) -> str:
    if quiet is None:
        return _("none (reminders may come at any time)")
    return _span(quiet)


async def _prefs(ctx: Ctx):
    return prefs(ctx.config, await row_of(ctx.session, ctx.user.id))


# --- "I'll come" ---------------------------------------------------------------------------


def _ways_on(booking_id: int | None = None) -> tuple[tuple[Button, ...], ...]:
    see = [Button(_("🗓 See this booking"), f"mb:show:{booking_id}")] if booking_id else []
    return rows(*see, Button(_("🗓 My bookings"), "mybk"), Button(_("🏠 Menu"), "menu"))


async def will_come(msg: Incoming, ctx: Ctx) -> list[Reply]:
    wanted = parse_id((msg.payload or "").removeprefix(COME))
    try:
        if wanted is None:
            raise Refused("mine.not_found")
        booking, slot = await mine.will_come(await service_context(ctx), wanted)
    except Refused as e:
        return [Reply(text=render(e), buttons=_ways_on())]
    # The reminder itself is updated: its buttons go, the answer is said (a new message
    # where the messenger cannot edit).
    reply = render_reminder.reminder_reply(
        booking, slot, ctx.core, which=DAY, confirmed=True, answered=True
    )
    return [replace(reply, edit=True)]


# --- Settings: reminders on or off -----------------------------------------------------------


def _hours(ctx: Ctx) -> str:
    return format(ctx.config.reminders.hours_before, "g")  # 2, or 1.5


async def describe_reminders(ctx: Ctx) -> str:
    if not (await _prefs(ctx)).enabled:
        return _("Reminders: off")
    return _(
        "Reminders: on (the day before at {time} and {hours} hours before a visit)",
        time=ctx.config.reminders.day_before_hour,
        hours=_hours(ctx),
    )


async def show_reminders(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ctx.state.clear()
    if (await _prefs(ctx)).enabled:
        text = _(
            "Reminders are on: I write to you the day before each visit at {time}, and "
            "{hours} hours before it.",
            time=ctx.config.reminders.day_before_hour,
            hours=_hours(ctx),
        )
        switch = Button(_("🔕 Turn reminders off"), OFF)
    else:
        text = _("Reminders are off: I will not remind you of your visits.")
        switch = Button(_("🔔 Turn reminders on"), ON)
    return [
        Reply(
            text=text,
            buttons=rows(
                switch, Button(_("⬅️ Back to settings"), "set"), Button(_("🏠 Menu"), "menu")
            ),
            edit=True,
        )
    ]


async def switch(msg: Incoming, ctx: Ctx) -> list[Reply]:
    enabled = msg.payload == ON
    await save(ctx.session, ctx.user.id, ctx.now(), enabled=enabled)
    await plan.plan(ctx.session, ctx.config, ctx.now(), user_id=ctx.user.id)
    note = (
        _("Done: reminders are on.")
        if enabled
        else _("Done: reminders are off. You can turn them on again here at any time.")
    )
    return [await settings.settings_reply(ctx, note)]


# --- Settings: quiet hours -------------------------------------------------------------------


async def describe_quiet(ctx: Ctx) -> str:
    return _("Quiet hours: {span}", span=_quiet_text((await _prefs(ctx)).quiet))


def _preset_label(ctx: Ctx, key: str) -> str:
    if key == "usual":
        return _("{span} (usual)", span=_quiet_text(configured_quiet(ctx.config)))
    if key == "off":
        return _("No quiet hours")
    return _span(parse_quiet(PRESETS[key] or QUIET_OFF))  # only "usual" has no span of its own


async def show_quiet(msg: Incoming, ctx: Ctx) -> list[Reply]:
    ctx.state.clear()
    text = _(
        "Quiet hours now: {span}.\nI send no reminders in your quiet hours: a reminder "
        "that would fall inside them comes earlier, never after your visit. Choose your "
        "quiet hours:",
        span=_quiet_text((await _prefs(ctx)).quiet),
    )
    choices = [Button(_preset_label(ctx, key), QUIET_CHOICE + key) for key in PRESETS]
    return [
        Reply(
            text=text,
            buttons=rows(
                *choices, Button(_("⬅️ Back to settings"), "set"), Button(_("🏠 Menu"), "menu")
            ),
            edit=True,
        )
    ]


async def choose_quiet(msg: Incoming, ctx: Ctx) -> list[Reply]:
    key = (msg.payload or "").removeprefix(QUIET_CHOICE)
    if key not in PRESETS:
        return await show_quiet(msg, ctx)
    await save(ctx.session, ctx.user.id, ctx.now(), quiet_hours=PRESETS[key])
    await plan.plan(ctx.session, ctx.config, ctx.now(), user_id=ctx.user.id)
    note = _("Done: quiet hours are {span}.", span=_quiet_text((await _prefs(ctx)).quiet))
    return [await settings.settings_reply(ctx, note)]


# --- the user's data -------------------------------------------------------------------------


async def _export(session: AsyncSession, user: User) -> dict[str, Any] | None:
    row = await session.get(ReminderSetting, user.id)
    if row is None:
        return None
    return {"reminders": "on" if row.enabled else "off", "quiet_hours": row.quiet_hours or "usual"}


async def _erase(session: AsyncSession, user: User, now, places) -> int:
    result = await session.execute(
        delete(ReminderSetting).where(ReminderSetting.user_id == user.id)
    )
    return rowcount(result)


privacy.register(
    privacy.Holder(
        "reminder_settings",
        N_("Your reminder settings"),
        _export,
        _erase,
        tables=("reminder_settings",),
    )
)
REMINDERS_SETTING = SettingEntry(OPEN, N_("🔔 Reminders"), describe_reminders)
QUIET_SETTING = SettingEntry(QUIET, N_("🌙 Quiet hours"), describe_quiet)

router.payload(COME, will_come, always=True)
router.payload(OPEN, show_reminders, always=True)
router.payload(ON, switch)
router.payload(OFF, switch)
router.payload(QUIET, show_quiet, always=True)
router.payload(QUIET_CHOICE, choose_quiet)
