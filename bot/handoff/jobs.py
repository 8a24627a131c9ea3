"""Background work of "Ask a person", each run in its own transaction and safe to run in
several processes (the state is in the database; each step is a conditional UPDATE):

- escalation (run by the outbox sweeper every minute): an open question with no answer after
  `handoff.escalate_after_hours` is announced to the unit's other officers (everyone but the
  one who took it; all of them when nobody did), after twice as long to the admins;
- the retention purge (every night with the booking jobs): a question closed more than
  `handoff.retention_days` ago is deleted with its messages.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.handoff_models import CLOSED, OPEN, HandoffQuestion
from bot.handoff import notices
from bot.handoff.settings import Settings, settings_of
from bot.points.model import Places

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)
ESCALATE_EVERY_SECONDS = 60
OTHERS, ADMINS = 1, 2


def _affected(result: Any) -> int:
    """Rows an UPDATE or DELETE changed (its cursor result's rowcount)."""
    return int(result.rowcount or 0)


async def escalate(
    session: AsyncSession, settings: Settings, places: Places | None, now: datetime
) -> int:
    """Announce every question that waited too long to the next people; returns how many
    questions went up a level."""
    moved = 0
    for level, waited in (
        (OTHERS, settings.escalate_after),
        (ADMINS, 2 * settings.escalate_after),
    ):
        due = (
            await session.scalars(
                select(HandoffQuestion)
                .where(
                    HandoffQuestion.status == OPEN,
                    HandoffQuestion.first_answer_at.is_(None),
                    HandoffQuestion.escalation < level,
                    HandoffQuestion.created_at <= now - waited,
                )
                .order_by(HandoffQuestion.created_at)
            )
        ).all()
        for question in due:
            claimed = await session.execute(
                update(HandoffQuestion)
                .where(HandoffQuestion.id == question.id, HandoffQuestion.escalation < level)
                .values(escalation=level)
            )
            if _affected(claimed) != 1:
                continue  # another process did it
            if level == OTHERS:
                people = await notices.officer_accounts(session, [question.unit_id])
                others = {p: a for p, a in people.items() if p != question.taken_by} or people
                accounts = list(others.values())
            else:
                accounts = list(
                    (await notices.officer_accounts(session, None, admins=True)).values()
                )
            await notices.escalate_to(session, accounts, question, places, settings, now)
            log.info("handoff question %s escalated to level %d", question.id, level)
            moved += 1
    return moved


async def purge(session: AsyncSession, now: datetime, retention_days: int) -> int:
    """Delete questions closed more than `retention_days` ago (their messages go with them)."""
    old = (HandoffQuestion.status == CLOSED) & (
        HandoffQuestion.closed_at < now - timedelta(days=retention_days)
    )
    await notices.forget(
        session, list(await session.scalars(select(HandoffQuestion.id).where(old)))
    )
    done = await session.execute(delete(HandoffQuestion).where(old))
    if _affected(done):
        log.info("handoff: %d closed questions past retention deleted", _affected(done))
    return _affected(done)


async def escalate_now(core: Core) -> int:
    async with core.db.transaction() as session:
        return await escalate(
            session, settings_of(core.config), core.services.get("places"), core.clock.now()
        )


async def daily(core: Core) -> int:
    async with core.db.transaction() as session:
        return await purge(session, core.clock.now(), core.config.handoff.retention_days)


def install(core: Core) -> None:
    """Templates, escalation in the outbox sweep, and the nightly purge."""
    from bot.booking import jobs as booking_jobs
    from bot.outbox import runtime

    notices.install(core)
    runtime.every(core, "handoff.escalate", ESCALATE_EVERY_SECONDS, escalate_now)
    hour, minute = (int(x) for x in booking_jobs.DAILY_AT.split(":"))
    booking_jobs.scheduler(core).add_job(
        daily,
        "cron",
        args=[core],
        hour=hour,
        minute=minute,
        timezone=core.config.tz,
        id="handoff.daily",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=3600,
    )
