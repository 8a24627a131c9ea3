"""Numbers for officers, scoped by who asks: bookings and attendance per point and week of the
actor's units (every point for an admin), and the city-wide guide and question numbers (any
officer). The command line reports (bot/stats/cli.py) read the same tables for operators."""

from __future__ import annotations

from datetime import timedelta

from bot.content.reports import guide_rows, question_rows
from bot.services.context import ServiceContext
from bot.services.registry import officer_service
from bot.stats.bookings import PointWeek, by_point_week, week_start


@officer_service
async def bookings_by_week(sc: ServiceContext, weeks: int) -> list[PointWeek]:
    """This week and the `weeks - 1` before, per point of the actor's units."""
    actor = sc.actor.require_officer()
    today = sc.now().astimezone(sc.tz).date()
    return await by_point_week(
        sc.session,
        sc.tz,
        sc.now(),
        since=week_start(today - timedelta(weeks=weeks - 1), sc.tz),
        until=week_start(today + timedelta(weeks=1), sc.tz),
        unit_ids=None if actor.is_admin else actor.sorted_units,
    )


@officer_service
async def guide_numbers(sc: ServiceContext, days: int) -> list[tuple]:
    """Per guide, version and locale over the last `days` days: views, starts, read to the
    end, yes/no answers (bot/content/reports.py)."""
    sc.actor.require_officer()
    return await guide_rows(sc.session, sc.now() - timedelta(days=days))


@officer_service
async def unanswered_questions(sc: ServiceContext, days: int, top: int) -> list[tuple]:
    """The questions no guide answered over the last `days` days, most asked first."""
    sc.actor.require_officer()
    return await question_rows(sc.session, sc.tz, sc.now() - timedelta(days=days), top)
