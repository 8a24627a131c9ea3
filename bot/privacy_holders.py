"""Personal data kept outside booking, news and reminders, registered with the privacy registry
(bot/booking/privacy.py) so "Download my data" shows it and "Delete my data" deletes it:
guide reading progress and "Did this help?" comments, the dialog state, messages the bot sent
(content cleared, counts kept) and whether the messenger lets the bot reach the person.

tests/test_privacy_registry.py fails when a table that refers to a person is covered by no
holder and not listed there with the reason it is kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import privacy
from bot.db import rowcount
from bot.db.booking_models import OutboxMessage
from bot.db.guides_models import GuideFeedback, GuideProgress
from bot.db.models import ConversationState, User
from bot.db.outbox_models import UserReach
from bot.i18n import N_
from bot.points.model import Places


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


# --- guides ----------------------------------------------------------------------------------


async def _export_guides(session: AsyncSession, user: User) -> dict[str, Any]:
    progress = await session.scalars(select(GuideProgress).where(GuideProgress.user_id == user.id))
    feedback = await session.scalars(
        select(GuideFeedback)
        .where(GuideFeedback.user_id == user.id)
        .order_by(GuideFeedback.created_at)
    )
    return {
        "reading": [
            {"guide": p.guide_id, "step": p.step_id, "at": _iso(p.updated_at)} for p in progress
        ],
        "feedback": [
            {
                "guide": f.guide_id,
                "version": f.version,
                "helpful": f.helpful,
                "comment": f.comment,
                "at": _iso(f.created_at),
            }
            for f in feedback
        ],
    }


async def _erase_guides(
    session: AsyncSession, user: User, now: datetime, places: Places | None
) -> int:
    read = await session.execute(delete(GuideProgress).where(GuideProgress.user_id == user.id))
    # The votes stay, without who gave them or what they wrote: "Did this help?" counts.
    said = await session.execute(
        update(GuideFeedback)
        .where(GuideFeedback.user_id == user.id)
        .values(user_id=None, comment=None)
        .execution_options(synchronize_session=False)
    )
    return rowcount(read) + rowcount(said)


# --- the dialog state ------------------------------------------------------------------------


def _own_state(user: User):
    return (ConversationState.channel == user.channel) & (
        ConversationState.user_id == user.external_id
    )


async def _export_state(session: AsyncSession, user: User) -> list[dict[str, Any]]:
    rows = await session.scalars(select(ConversationState).where(_own_state(user)))
    return [{"step": s.name, "details": s.data, "at": _iso(s.updated_at)} for s in rows]


async def _erase_state(
    session: AsyncSession, user: User, now: datetime, places: Places | None
) -> int:
    result = await session.execute(delete(ConversationState).where(_own_state(user)))
    return rowcount(result)


# --- messages the bot sent -------------------------------------------------------------------


async def _export_messages(session: AsyncSession, user: User) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.recipient_user_id == user.id)
        .order_by(OutboxMessage.created_at)
    )
    return [
        {
            "kind": m.kind,
            "status": m.status,
            "text": m.text,
            "details": m.data,
            "due": _iso(m.due_at),
            "sent": _iso(m.sent_at),
        }
        for m in rows
    ]


async def _erase_messages(
    session: AsyncSession, user: User, now: datetime, places: Places | None
) -> int:
    # Pending ones were deleted with the bookings; what was sent keeps its kind and times
    # (broadcast and reminder counts), not what it said or to whom.
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.recipient_user_id == user.id)
        .values(
            recipient_user_id=None,
            chat_id="",
            text=None,
            buttons=None,
            data=None,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


# --- whether the messenger lets the bot reach the person ---------------------------------------


async def _export_reach(session: AsyncSession, user: User) -> dict[str, Any] | None:
    row = await session.get(UserReach, user.id)
    return (
        {"unreachable_since": _iso(row.unreachable_since), "reason": row.reason} if row else None
    )


async def _erase_reach(
    session: AsyncSession, user: User, now: datetime, places: Places | None
) -> int:
    result = await session.execute(delete(UserReach).where(UserReach.user_id == user.id))
    return rowcount(result)


privacy.register(
    privacy.Holder(
        "guides",
        N_("Guides you read and what you said about them"),
        _export_guides,
        _erase_guides,
        tables=("guide_progress", "guide_feedback"),
    )
)
privacy.register(
    privacy.Holder(
        "dialog",
        N_("Where you are in a conversation with me"),
        _export_state,
        _erase_state,
        tables=("conversation_state",),
    )
)
# After "bookings", which deletes the messages not yet sent.
privacy.register(
    privacy.Holder(
        "messages",
        N_("Messages I sent you (reminders, notices, news)"),
        _export_messages,
        _erase_messages,
        tables=("outbox",),
    )
)
privacy.register(
    privacy.Holder(
        "reach",
        N_("Whether your messenger lets me write to you"),
        _export_reach,
        _erase_reach,
        tables=("user_reach",),
    )
)
