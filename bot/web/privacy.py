"""An officer's web login links and sessions are theirs: "Delete my data" logs them out
everywhere (the rows go); the download says how many sessions are open, never a token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.privacy import Holder, register
from bot.db import rowcount
from bot.db.models import User
from bot.db.web_models import WebLoginLink, WebSession
from bot.i18n import N_
from bot.points.model import Places


async def export(session: AsyncSession, user: User) -> dict[str, Any]:
    sessions = await session.scalar(
        select(func.count()).select_from(WebSession).where(WebSession.user_id == user.id)
    )
    return {"open_web_sessions": sessions or 0}


async def erase(session: AsyncSession, user: User, now: datetime, places: Places | None) -> int:
    links = await session.execute(delete(WebLoginLink).where(WebLoginLink.user_id == user.id))
    sessions = await session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    return rowcount(links) + rowcount(sessions)


register(
    Holder(
        "web_sessions",
        N_("Officer web page sessions"),
        export,
        erase,
        tables=("web_login_links", "web_sessions"),
    )
)
