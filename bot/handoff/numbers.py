"""The numbers of "Ask a person" per unit, for `trolyso report handoff` and the officer's
"📊 Numbers": questions asked, answered, the median minutes from asking to the first answer,
and how many had no answer 24 hours after they were asked (counting only questions asked
more than 24 hours ago)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.handoff_models import HandoffQuestion

HEADER = ("unit", "asked", "answered", "median_minutes_to_first_answer", "unanswered_after_24h")
DAY = timedelta(hours=24)


@dataclass(frozen=True)
class UnitNumbers:
    unit_id: str
    asked: int
    answered: int
    median_minutes: float | None  # None: nothing answered
    unanswered_24h: int

    def row(self) -> tuple:
        shown = "" if self.median_minutes is None else f"{self.median_minutes:.0f}"
        return (self.unit_id, self.asked, self.answered, shown, self.unanswered_24h)


async def per_unit(
    session: AsyncSession,
    now: datetime,
    *,
    since: datetime | None = None,
    unit_ids: Iterable[str] | None = None,
) -> list[UnitNumbers]:
    query = select(
        HandoffQuestion.unit_id, HandoffQuestion.created_at, HandoffQuestion.first_answer_at
    )
    if since is not None:
        query = query.where(HandoffQuestion.created_at >= since)
    if unit_ids is not None:
        query = query.where(HandoffQuestion.unit_id.in_(list(unit_ids)))
    by_unit: dict[str, list[tuple[datetime, datetime | None]]] = {}
    for unit_id, asked, answered in await session.execute(query):
        by_unit.setdefault(unit_id, []).append((asked, answered))
    found = []
    for unit_id in sorted(by_unit):
        rows = by_unit[unit_id]
        waits = [(a - q).total_seconds() / 60 for q, a in rows if a is not None]
        late = sum(1 for q, a in rows if q <= now - DAY and (a is None or a - q > DAY))
        found.append(
            UnitNumbers(unit_id, len(rows), len(waits), median(waits) if waits else None, late)
        )
    return found
