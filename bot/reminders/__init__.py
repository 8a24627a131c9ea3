"""Reminders before a visit: planned into the outbox (bot/reminders/plan.py), written at send
time (bot/reminders/render.py), shaped by each user's settings (bot/reminders/settings.py).
The user's side — "I'll come" and the Settings entries — is handlers/reminders.py."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.outbox import runtime
from bot.reminders import plan, render

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)
PLAN_EVERY_SECONDS = 60


async def plan_now(core: Core) -> int:
    """Bring every booking's reminders in line with the bookings (one transaction)."""
    async with core.db.transaction() as session:
        changed = await plan.plan(session, core.config, core.clock.now())
    if changed:
        log.info("reminders planned: %d rows added, moved or dropped", changed)
    return changed


def setup(core: Core) -> None:
    """The outbox renders reminder rows with our template, and the sweeper plans reminders
    every minute (so only a process that sends plans)."""
    runtime.template(core, plan.TEMPLATE, render.render)
    runtime.every(core, "reminders.plan", PLAN_EVERY_SECONDS, plan_now)
