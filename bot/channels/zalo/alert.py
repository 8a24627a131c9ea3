"""A dead refresh token, told to the admins through another messenger — once.

Zalo's refresh token is single-use and ages out; when Zalo refuses it, the bot can send nothing
on Zalo until someone authorises it again (`trolyso zalo authorize`, ../shared/facts/channels.md
§4 "Tokens"). The log says so, `trolyso zalo status` says so, and every admin (officers.admins)
gets one message through the outbox at the account they last wrote from that is not Zalo (a
Zalo account cannot be reached with a dead token). The row's dedupe key names the token's
generation, so however often the refresh is retried and refused, each admin is told once per
dead token; a new authorisation starts a new generation.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from bot import i18n
from bot.channels.zalo.events import CHANNEL
from bot.db import Database
from bot.db.booking_models import OutboxMessage
from bot.db.models import User
from bot.db.officer_models import Officer
from bot.i18n import _

log = logging.getLogger(__name__)

KIND = "zalo_token_dead"
PRIORITY = 5  # before reminders and notices: nothing else on Zalo works until it is fixed


def key_of(generation: int, person_id: int) -> str:
    return f"{KIND}:{generation}:{person_id}"


def text() -> str:
    return _(
        "⚠️ Zalo refused the bot's refresh token, so the bot cannot send anything on Zalo "
        "(answers, reminders, notices) until it is authorised again. To fix it, on the server "
        "run `trolyso zalo authorize` and open the link it prints; `trolyso zalo status` shows "
        "the state."
    )


async def tell_admins(db: Database, generation: int, now: datetime, default_locale: str) -> int:
    """Queue the message for each admin not told of this dead token yet; how many."""
    async with db.transaction() as session:
        admins = set(
            (await session.scalars(select(Officer.person_id).where(Officer.role == "admin"))).all()
        )
        accounts = (
            await session.scalars(
                select(User)
                .where(User.person_id.in_(admins), User.channel != CHANNEL)
                .order_by(User.person_id, User.last_seen_at.desc(), User.id.desc())
            )
        ).all()
        chosen: dict[int, User] = {}
        for account in accounts:
            assert account.person_id is not None
            chosen.setdefault(account.person_id, account)
        keys = {key_of(generation, person): person for person in chosen}
        told = set(
            (
                await session.scalars(
                    select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))
                )
            ).all()
        )
        queued = 0
        for key, person in keys.items():
            if key in told:
                continue
            account = chosen[person]
            with i18n.use_locale(account.locale or default_locale):
                message = text()
            session.add(
                OutboxMessage(
                    recipient_user_id=account.id,
                    channel=account.channel,
                    chat_id=account.external_id,
                    kind=KIND,
                    text=message,
                    buttons=None,
                    template=None,
                    data=None,
                    priority=PRIORITY,
                    due_at=now,
                    status="pending",
                    attempts=0,
                    last_error=None,
                    booking_id=None,
                    dedupe_key=key,
                    created_at=now,
                    sent_at=None,
                )
            )
            queued += 1
    if admins and not chosen:
        log.error("zalo: no admin has an account on another messenger to be told")
    return queued


async def admins_told(db: Database, since: datetime | None) -> datetime | None:
    """When admins were told of the dead refresh token (for `trolyso zalo status`): the first
    message queued `since` the tokens were last stored (older ones were about older tokens)."""
    query = select(OutboxMessage.created_at).where(OutboxMessage.kind == KIND)
    if since is not None:
        query = query.where(OutboxMessage.created_at >= since)
    async with db.transaction() as session:
        return await session.scalar(query.order_by(OutboxMessage.created_at).limit(1))
