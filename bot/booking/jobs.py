"""The booking feature's background work, each run in its own transaction and safe to run in
several processes at once (it reads its state from the database every time; APScheduler keeps
no state of its own):

- every day: materialise the coming weeks' sessions, apply the retention purge, drop forms
  left unfinished past the idle timeout;
- every few minutes: when seats held for priority visitors open to everyone (24 h before a
  slot), give them to the people waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, event, exists, select

from bot.booking import privacy, service
from bot.booking.materialise import SyncReport, point_changes, sync
from bot.db.booking_models import BookingDraft, Slot, WaitlistEntry

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

    from bot.core import Core
    from bot.points.model import Places

log = logging.getLogger(__name__)
DAILY_AT = "03:00"  # Hanoi time: the bot is quiet then
RELEASE_EVERY_MINUTES = 5


async def materialise_sessions(core: Core) -> int:
    """Open the coming weeks' sessions as the points files have them (officers' changes and
    booked sessions kept); how many time slots were added."""
    report = await follow_points(core)
    return report.slots_added if report is not None else 0


async def follow_points(core: Core, old: Places | None = None) -> SyncReport | None:
    places = core.services.get("places")
    if places is None:
        return None
    report = SyncReport()
    if old is not None:
        point_changes(old, places, report)
    async with core.db.transaction() as session:
        await sync(
            session,
            places,
            core.clock.now(),
            core.config.booking.horizon_days,
            core.config.tz,
            report,
        )
    if report.slots_added or report.sessions_removed or report.sessions_changed:
        for line in report.lines():
            log.info("points files: %s", line)
    return report


async def after_reload(core: Core, before: Mapping[str, Any]) -> list[str]:
    """After `content reload`: new and changed points can be booked at once (not only after a
    restart or at 03:00); what changed is said to the operator."""
    old = before.get("places")
    if old is core.services.get("places"):
        return []
    report = await follow_points(core, old)
    return report.lines() if report is not None else []


async def daily(core: Core) -> None:
    await materialise_sessions(core)
    now = core.clock.now()
    async with core.db.transaction() as session:
        await privacy.purge(session, now, core.config.booking.retention_days)
        idle = timedelta(minutes=core.config.bot.idle_timeout_minutes)
        await session.execute(delete(BookingDraft).where(BookingDraft.updated_at < now - idle))


async def release_held_seats(core: Core) -> int:
    """Promote people waiting for slots whose held seats have just opened to everyone."""
    now = core.clock.now()
    promoted = 0
    async with core.db.transaction() as session:
        waiting = exists().where(
            WaitlistEntry.slot_id == Slot.id, WaitlistEntry.status == "waiting"
        )
        slot_ids = (
            await session.scalars(
                select(Slot.id)
                .where(
                    Slot.hold_until <= now,
                    Slot.starts_at > now,
                    Slot.status == "open",
                    Slot.booked < Slot.capacity,
                    waiting,
                )
                .order_by(Slot.starts_at)
            )
        ).all()
        for slot_id in slot_ids:
            while await service.promote(session, slot_id, now, core.services.get("places")):
                promoted += 1
    if promoted:
        log.info("held seats released: %d people promoted from waitlists", promoted)
    return promoted


def scheduler(core: Core) -> BaseScheduler:
    """The core's APScheduler (`core.services["scheduler"]`), started on first use and shut
    down when the core closes its database; jobs are kept in memory only, the state they act
    on is in the database."""
    running = core.services.get("scheduler")
    if running is None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        running = AsyncIOScheduler(timezone=core.config.tz)
        running.start()
        core.services["scheduler"] = running
        event.listen(
            core.db.engine.sync_engine,
            "engine_disposed",
            lambda _engine: running.shutdown(wait=False) if running.running else None,
        )
    return running


def schedule(scheduler: BaseScheduler, core: Core) -> None:
    """Add the jobs to a running scheduler (replacing ours from an earlier start)."""
    hour, minute = (int(x) for x in DAILY_AT.split(":"))
    scheduler.add_job(
        daily,
        "cron",
        args=[core],
        hour=hour,
        minute=minute,
        timezone=core.config.tz,
        id="booking.daily",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=3600,
    )
    scheduler.add_job(
        release_held_seats,
        "interval",
        args=[core],
        minutes=RELEASE_EVERY_MINUTES,
        id="booking.release_held_seats",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
    )
