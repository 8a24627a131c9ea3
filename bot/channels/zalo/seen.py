"""Has this webhook update been taken already? Zalo re-sends an event it thinks failed
(no 200 within about 2 s), possibly to another of our processes, so the record is in the
database: one row per (channel, update id), written before the webhook answers 200.

The key is `message.msg_id` (events.py makes one for events without it). The durable inbox of
issue 10 is keyed the same way, (channel, platform update id); when it lands, `first_delivery`
becomes "insert into the inbox" and this table goes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.db import Database
from bot.db.channel_models import ChannelUpdateSeen

# Zalo stops retrying within hours (12 h at the most, per one write-up [unconfirmed]).
KEEP = timedelta(days=2)
_TABLE = ChannelUpdateSeen.__table__


async def first_delivery(db: Database, channel: str, update_id: str, now: datetime) -> bool:
    """Record the update; False when it was recorded before (a re-delivery)."""
    dialect = sqlite if db.is_sqlite else postgresql
    statement = (
        dialect.insert(_TABLE)
        .values(channel=channel, update_id=update_id[:128], received_at=now)
        .on_conflict_do_nothing()
    )
    async with db.connection() as conn:
        result = await conn.execute(statement)
        return result.rowcount == 1


async def prune(db: Database, channel: str, now: datetime) -> int:
    """Forget updates older than Zalo's retries can be; returns how many."""
    statement = delete(_TABLE).where(
        _TABLE.c.channel == channel, _TABLE.c.received_at < now - KEEP
    )
    async with db.connection() as conn:
        result = await conn.execute(statement)
        return result.rowcount


async def last_received(db: Database, channel: str) -> datetime | None:
    """When the webhook last took an update (webhook health for `trolyso zalo status`)."""
    async with db.connection() as conn:
        return await conn.scalar(
            select(func.max(_TABLE.c.received_at)).where(_TABLE.c.channel == channel)
        )
