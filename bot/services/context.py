"""What a service call gets: who acts, the database session of the caller's transaction, the
clock and time zone, and the long-lived things services read (the loaded support points, the
content folder for the units file). No chat message and no dialog state: a chat handler, the
command line and a web page each build one the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.points.model import Places, Unit
from bot.services.actor import Actor


@dataclass
class ServiceContext:
    actor: Actor
    session: AsyncSession
    clock: Clock
    tz: ZoneInfo
    places: Places | None = None
    content_dir: Path | None = None
    horizon_days: int = 60  # how far ahead people may book (config booking.horizon_days)
    # Moving a session closer to now than this needs a reason and a confirmed count of the
    # people told (config schedule.min_notice_hours).
    min_notice_hours: float = 12.0

    def now(self) -> datetime:
        return self.clock.now()

    def units(self) -> Mapping[str, Unit]:
        """The communes and wards: the loaded places, else the units file alone."""
        if self.places is not None:
            return self.places.units
        from bot.officers.units import read_units_file

        if self.content_dir is None:
            return {}
        return read_units_file(self.content_dir)
