"""Errors an operator should see in `trolyso zalo status`: source and code, never content."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select

from bot.db import Database
from bot.db.channel_models import ChannelError

CHANNEL = "zalo"
KEEP = 200  # rows per channel; older ones are dropped as new ones come
_TABLE = ChannelError.__table__


async def record(db: Database, source: str, code: int | str, now: datetime) -> None:
    async with db.connection() as conn:
        await conn.execute(
            insert(_TABLE).values(channel=CHANNEL, at=now, source=source[:16], code=str(code)[:32])
        )
        newest = (
            select(_TABLE.c.id)
            .where(_TABLE.c.channel == CHANNEL)
            .order_by(_TABLE.c.id.desc())
            .limit(KEEP)
        )
        await conn.execute(
            delete(_TABLE).where(_TABLE.c.channel == CHANNEL, _TABLE.c.id.not_in(newest))
        )


async def latest(db: Database, limit: int = 10) -> list[tuple[datetime, str, str]]:
    async with db.connection() as conn:
        rows = await conn.execute(
            select(_TABLE.c.at, _TABLE.c.source, _TABLE.c.code)
            .where(_TABLE.c.channel == CHANNEL)
            .order_by(_TABLE.c.id.desc())
            .limit(limit)
        )
        return [(r.at, r.source, r.code) for r in rows]
