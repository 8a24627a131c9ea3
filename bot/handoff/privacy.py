"""A citizen's questions to officers are their data: /privacy lists them, the download holds
every question with its messages, and "Delete my data" deletes them (the messages go with
them; answers still waiting in the outbox are dropped, and officers' notices carrying the
citizen's words are emptied). Registered with the /privacy holders
of bot/booking/privacy.py on import."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.privacy import Holder, register
from bot.db.booking_models import OutboxMessage
from bot.db.handoff_models import HandoffMessage, HandoffQuestion
from bot.db.models import User
from bot.handoff import notices
from bot.i18n import N_
from bot.points.model import Places

TABLES = ("handoff_questions", "handoff_messages", "handoff_notices")


def _affected(result: Any) -> int:
    """Rows an UPDATE or DELETE changed (its cursor result's rowcount)."""
    return int(result.rowcount or 0)


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


async def export(session: AsyncSession, user: User) -> list[dict[str, Any]]:
    questions = (
        await session.scalars(
            select(HandoffQuestion)
            .where(HandoffQuestion.user_id == user.id)
            .order_by(HandoffQuestion.created_at)
        )
    ).all()
    found = []
    for q in questions:
        messages = await session.scalars(
            select(HandoffMessage)
            .where(HandoffMessage.question_id == q.id)
            .order_by(HandoffMessage.created_at, HandoffMessage.id)
        )
        found.append(
            {
                "unit": q.unit_id,
                "status": q.status,
                "asked_at": _iso(q.created_at),
                "closed_at": _iso(q.closed_at),
                "rating": q.rating,
                # A photo is held by the messenger; we keep only its id there.
                "messages": [
                    {"from": m.author, "at": _iso(m.created_at), "text": m.text}
                    | ({"photo_id": m.photo_id} if m.photo_id else {})
                    for m in messages
                ],
            }
        )
    return found


async def erase(session: AsyncSession, user: User, now: datetime, places: Places | None) -> int:
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.recipient_user_id == user.id,
            OutboxMessage.kind.like("handoff%"),
            OutboxMessage.status == "pending",
        )
        .values(status="skipped", last_error="personal data erased", data=None)
    )
    # Officers' notices that carry the citizen's own words go too (queued or already sent).
    await notices.forget(
        session,
        await session.scalars(
            select(HandoffQuestion.id).where(HandoffQuestion.user_id == user.id)
        ),
    )
    result = await session.execute(
        delete(HandoffQuestion).where(HandoffQuestion.user_id == user.id)
    )
    return _affected(result)


register(
    Holder(
        "handoff_questions",
        N_("Questions you asked an officer"),
        export,
        erase,
        # The conversation's messages go with their question (ON DELETE CASCADE).
        tables=("handoff_questions", "handoff_messages"),
    )
)
