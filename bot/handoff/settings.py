"""The `[handoff]` settings as one value the services take (they never read the config)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

from bot.config import Config


@dataclass(frozen=True)
class Settings:
    announce_every: timedelta
    escalate_after: timedelta
    retention_days: int
    office_hours: tuple[time, time]
    default_locale: str = "vi"


def settings_of(config: Config) -> Settings:
    h = config.handoff
    start, end = (time.fromisoformat(x) for x in h.office_hours.split("-"))
    return Settings(
        announce_every=timedelta(minutes=h.announce_every_minutes),
        escalate_after=timedelta(hours=h.escalate_after_hours),
        retention_days=h.retention_days,
        office_hours=(start, end),
        default_locale=config.bot.default_locale,
    )
