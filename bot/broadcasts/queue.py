"""Queueing a broadcast: one `broadcasts` row and one outbox row per recipient (kind
"broadcast", low priority so reminders and notices about a person's own visit go first), each
rendered in the recipient's language with the "🔕 Stop news" button, in the caller's
transaction. The dedupe key "broadcast:<id>:<user id>" makes a second copy for the same
person impossible.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Subquery, Text, cast, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.broadcasts import texts
from bot.broadcasts.audience import Audience, people
from bot.broadcasts.news import BROADCAST_KIND
from bot.db.booking_models import OutboxMessage
from bot.db.broadcast_models import Broadcast
from bot.db.models import UTCDateTime

log = logging.getLogger(__name__)

# Lower is sooner (bot/booking/notices.py: 10 for a person's own visit). Broadcasts wait for
# every reminder and notice; the officer's progress messages go before broadcasts.
PRIORITY_BROADCAST = 90
PRIORITY_PROGRESS = 20
MAX_TEXT_CHARS = 1000


@dataclass(frozen=True, slots=True)
class Author:
    """The officer sending, and where their progress messages go."""

    officer_id: int
    actor: str  # as in the audit log, e.g. "telegram:123456789"
    user_id: int
    channel: str
    chat_id: str
    locale: str


def key_prefix(broadcast_id: int) -> str:
    return f"{BROADCAST_KIND}:{broadcast_id}:"


async def send(
    session: AsyncSession,
    *,
    author: Author,
    audience: Audience,
    text: str,
    sender: Callable[[], texts.Sender],
    default_locale: str,
    now: datetime,
) -> Broadcast | None:
    """Queue the broadcast for everyone in the audience now; None when that is nobody.
    `sender` is called in each recipient language to say who the message is from.

    The rows are made by INSERT … SELECT from the audience, one statement per language, so
    10,000 recipients take one short write (the one SQLite writer is not held up)."""
    if not text.strip() or len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"a broadcast text has 1..{MAX_TEXT_CHARS} characters")
    found = people(audience, now, default_locale)
    locales = (await session.scalars(select(found.c.locale).distinct())).all()
    if not locales:
        return None
    broadcast = Broadcast(
        author_officer_id=author.officer_id,
        author=author.actor,
        audience_kind=audience.kind,
        audience_target=list(audience.target),
        text=text,
        created_at=now,
        status="sending",
        recipients=0,
        delivered=0,
        unreachable=0,
        failed=0,
        skipped=0,
        progress_user_id=author.user_id,
        progress_channel=author.channel,
        progress_chat_id=author.chat_id,
        progress_locale=author.locale,
        progress_sent=0,
    )
    session.add(broadcast)
    await session.flush()
    ids: list[int] = []
    for locale in sorted(locales):
        with i18n.use_locale(locale):
            body, buttons = texts.citizen_message(sender(), text)
        ids += await _insert_rows(session, broadcast.id, found, locale, body, buttons, now)
    broadcast.recipients = len(ids)
    broadcast.first_outbox_id, broadcast.last_outbox_id = min(ids), max(ids)
    log.info("broadcast %s queued: %s, %d recipients", broadcast.id, audience.kind, len(ids))
    return broadcast


async def _insert_rows(
    session: AsyncSession,
    broadcast_id: int,
    found: Subquery,
    locale: str,
    body: str,
    buttons: list[list[dict[str, Any]]],
    now: datetime,
) -> list[int]:
    """One pending outbox row for each person of `found` who reads `locale`; their ids."""
    columns = {
        "recipient_user_id": found.c.user_id,
        "channel": found.c.channel,
        "chat_id": found.c.chat_id,
        "kind": literal(BROADCAST_KIND, String),
        "text": literal(body, Text),
        "buttons": literal(buttons, JSON),
        "data": literal({"broadcast_id": broadcast_id}, JSON),
        "priority": literal(PRIORITY_BROADCAST, Integer),
        "due_at": literal(now, UTCDateTime),
        "status": literal("pending", String),
        "attempts": literal(0, Integer),
        "dedupe_key": literal(key_prefix(broadcast_id), String) + cast(found.c.user_id, String),
        "created_at": literal(now, UTCDateTime),
    }
    rows = select(*columns.values()).where(found.c.locale == locale)
    stmt = insert(OutboxMessage).from_select(list(columns), rows).returning(OutboxMessage.id)
    return list((await session.scalars(stmt)).all())
