"""A user's reminder settings: on or off, and their quiet hours (the configured ones, none,
or their own), read for many users at once by the planner."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from bot.db.reminder_models import ReminderSetting

QUIET_OFF = "off"
Quiet = tuple[time, time] | None


@dataclass(frozen=True, slots=True)
class Prefs:
    enabled: bool
    quiet: Quiet


def _time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def parse_quiet(value: str) -> Quiet:
    """ "21:00-07:00" → (21:00, 07:00); "off" or an empty span → None."""
    if value == QUIET_OFF:
        return None
    start, end = (_time(part) for part in value.split("-"))
    return None if start == end else (start, end)


def configured_quiet(config: Config) -> Quiet:
    r = config.reminders
    return parse_quiet(f"{r.quiet_hours_start}-{r.quiet_hours_end}")


def prefs(config: Config, row: ReminderSetting | None) -> Prefs:
    if row is None:
        return Prefs(True, configured_quiet(config))
    quiet = configured_quiet(config) if row.quiet_hours is None else parse_quiet(row.quiet_hours)
    return Prefs(row.enabled, quiet)


async def prefs_of(
    session: AsyncSession, config: Config, user_ids: Iterable[int]
) -> dict[int, Prefs]:
    ids = sorted(set(user_ids))
    found: dict[int, ReminderSetting] = {}
    for i in range(0, len(ids), 500):
        rows = await session.scalars(
            select(ReminderSetting).where(ReminderSetting.user_id.in_(ids[i : i + 500]))
        )
        found.update({r.user_id: r for r in rows})
    return {user_id: prefs(config, found.get(user_id)) for user_id in ids}


async def row_of(session: AsyncSession, user_id: int) -> ReminderSetting | None:
    return await session.get(ReminderSetting, user_id)


async def save(session: AsyncSession, user_id: int, now: datetime, **values) -> None:
    """Change `enabled` and/or `quiet_hours` (None: the configured ones). A user's own
    messages are handled one at a time, so get-or-add cannot race with itself."""
    row = await session.get(ReminderSetting, user_id)
    if row is None:
        row = ReminderSetting(user_id=user_id, enabled=True, quiet_hours=None, updated_at=now)
        session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = now
    await session.flush()
