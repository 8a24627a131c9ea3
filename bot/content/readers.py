"""What the database keeps about guide readers: the step each user last saw in an unfinished
guide, their "Did this help?" answers and comments, and anonymous view/start/completion
counts. Every function works inside the caller's session (the message's transaction)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import rowcount
from bot.db.guides_models import GuideEvent, GuideFeedback, GuideProgress

VIEW, START, COMPLETE = "view", "start", "complete"


async def save_progress(
    session: AsyncSession,
    user_id: int,
    guide_id: str,
    locale: str,
    version: int,
    step_id: str,
    now: datetime,
) -> None:
    values = dict(
        user_id=user_id,
        guide_id=guide_id,
        locale=locale,
        version=version,
        step_id=step_id,
        updated_at=now,
    )
    await session.execute(_upsert(session.get_bind().dialect.name), values)


@lru_cache(maxsize=4)
def _upsert(dialect_name: str) -> Any:
    """The progress upsert, built once per dialect and given its values when run: building
    it anew for every Next press cost more than running it (docs/PERFORMANCE.md, the mixed
    workload)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(GuideProgress)
    return stmt.on_conflict_do_update(
        index_elements=[GuideProgress.user_id, GuideProgress.guide_id],
        set_={k: stmt.excluded[k] for k in ("locale", "version", "step_id", "updated_at")},
    )


async def progress_in(session: AsyncSession, user_id: int, guide_id: str) -> GuideProgress | None:
    return await session.get(GuideProgress, (user_id, guide_id))


async def unfinished(session: AsyncSession, user_id: int, limit: int = 5) -> list[GuideProgress]:
    """The user's unfinished guides, most recently read first."""
    query = (
        select(GuideProgress)
        .where(GuideProgress.user_id == user_id)
        .order_by(GuideProgress.updated_at.desc(), GuideProgress.guide_id)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def finish(session: AsyncSession, user_id: int, guide_id: str) -> bool:
    """Forget the user's place in a guide they finished; True when they had one."""
    result = await session.execute(
        delete(GuideProgress).where(
            GuideProgress.user_id == user_id, GuideProgress.guide_id == guide_id
        )
    )
    return bool(rowcount(result))


async def count(
    session: AsyncSession, kind: str, guide_id: str, version: int, locale: str, now: datetime
) -> None:
    session.add(GuideEvent(guide_id=guide_id, version=version, locale=locale, kind=kind, at=now))


async def add_feedback(
    session: AsyncSession,
    user_id: int,
    guide_id: str,
    version: int,
    locale: str,
    helpful: bool,
    now: datetime,
) -> int:
    row = GuideFeedback(
        user_id=user_id,
        guide_id=guide_id,
        version=version,
        locale=locale,
        helpful=helpful,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id


async def add_comment(session: AsyncSession, user_id: int, feedback_id: int, comment: str) -> bool:
    """Attach a comment to the user's own feedback; False when it is not theirs."""
    row = await session.get(GuideFeedback, feedback_id)
    if row is None or row.user_id != user_id:
        return False
    row.comment = comment
    return True
