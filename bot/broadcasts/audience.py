"""Who a broadcast reaches: the subscribers of some units, the visitors booked at a point or in
one session (the person who booked, who is the one the bot can write to), or everyone who
ever wrote to the bot — never someone who turned news off or whom the messenger reports
unreachable, and each person once, however many ways they qualify.

The preview's count and the queued rows come from this one function, read in the same way,
so the number the officer confirms is the number queued (unless people subscribe or opt out
in between, which the confirmation then reports).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Subquery, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.booking_models import Booking, BookingSession, Slot
from bot.db.broadcast_models import AUDIENCES, NewsOptOut, NewsSubscription
from bot.db.models import User
from bot.i18n import N_
from bot.ids import parse_id
from bot.outbox import reach

# Why someone who qualifies is left out (msgids: the preview shows them in the officer's
# language).
OPTED_OUT = N_("turned news off")
UNREACHABLE = N_("blocked the bot or left the messenger")


@dataclass(frozen=True, slots=True)
class Audience:
    kind: str  # one of AUDIENCES
    target: tuple[Any, ...] = ()  # unit ids; (point id,); (session id,); ()

    def __post_init__(self) -> None:
        if self.kind not in AUDIENCES:
            raise ValueError(f"audience kind must be one of {AUDIENCES}: {self.kind!r}")

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "target": list(self.target)}

    @classmethod
    def from_json(cls, data: Any) -> Audience | None:
        """From a dialog's saved state; None when it is not a well-formed audience."""
        if not isinstance(data, dict) or data.get("kind") not in AUDIENCES:
            return None
        target = data.get("target")
        if not isinstance(target, list) or not all(isinstance(t, str | int) for t in target):
            return None
        return cls(data["kind"], tuple(target))


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    channel: str
    chat_id: str
    locale: str


def _query(audience: Audience, now: datetime, default_locale: str) -> Select:
    """(user id, channel, chat id, locale) of everyone who qualifies, possibly repeated."""
    if audience.kind == "units":
        return (
            select(
                NewsSubscription.user_id,
                User.channel,
                NewsSubscription.chat_id,
                func.coalesce(User.locale, NewsSubscription.locale),
            )
            .join(User, User.id == NewsSubscription.user_id)
            .where(NewsSubscription.unit_id.in_([str(u) for u in audience.target]))
        )
    if audience.kind == "everyone":
        # A private chat's id is the person's own id on every channel we serve.
        return select(
            User.id, User.channel, User.external_id, func.coalesce(User.locale, default_locale)
        )
    booked = (
        select(
            Booking.user_id,
            Booking.channel,
            Booking.chat_id,
            func.coalesce(User.locale, Booking.locale),
        )
        .join(Slot, Slot.id == Booking.slot_id)
        .join(User, User.id == Booking.user_id)
        .where(Booking.status == "confirmed", Booking.chat_id.is_not(None), Slot.ends_at > now)
    )
    if audience.kind == "point":
        return booked.where(Booking.point_id == str(audience.target[0]))
    session_id = parse_id(str(audience.target[0])) or -1
    return booked.where(Slot.session_id == session_id)


def people(audience: Audience, now: datetime, default_locale: str) -> Subquery:
    """One row per person the broadcast reaches now: `user_id`, `channel`, `chat_id`,
    `locale` — a subquery, so the preview counts it and the queue inserts from it inside the
    database, without carrying thousands of rows through Python."""
    query = _query(audience, now, default_locale)
    if audience.kind != "everyone" and not audience.target:
        query = query.where(false())
    user_id, channel, chat_id, locale = query.selected_columns
    return (
        query.with_only_columns(
            user_id.label("user_id"),
            func.min(channel).label("channel"),
            func.min(chat_id).label("chat_id"),
            func.min(locale).label("locale"),
            maintain_column_froms=True,
        )
        .where(~exists().where(NewsOptOut.user_id == user_id))
        .where(reach.reachable(user_id))
        .group_by(user_id)
        .subquery("people")
    )


async def left_out(
    session: AsyncSession, audience: Audience, now: datetime, default_locale: str
) -> dict[str, int]:
    """How many people who qualify `people` leaves out, and why: {OPTED_OUT: n,
    UNREACHABLE: n} (each person counted once, under the first reason that applies)."""
    if audience.kind != "everyone" and not audience.target:
        return {}
    query = _query(audience, now, default_locale)
    user_id = query.selected_columns[0]
    base = (
        query.with_only_columns(user_id.label("user_id"), maintain_column_froms=True)
        .group_by(user_id)
        .subquery("qualified")
    )
    opted = exists().where(NewsOptOut.user_id == base.c.user_id)
    opted_out = await session.scalar(select(func.count()).select_from(base).where(opted))
    unreachable = await session.scalar(
        select(func.count()).select_from(base).where(~opted, reach.unreachable(base.c.user_id))
    )
    found = {OPTED_OUT: opted_out or 0, UNREACHABLE: unreachable or 0}
    return {reason: n for reason, n in found.items() if n}


async def count(
    session: AsyncSession, audience: Audience, now: datetime, default_locale: str
) -> int:
    found = people(audience, now, default_locale)
    return await session.scalar(select(func.count()).select_from(found)) or 0


@dataclass(frozen=True, slots=True)
class Reach:
    """Who a broadcast would reach, per channel: now, or only once they write to the bot again
    (a channel whose send policy has a reply window: bot/channels/policy.py)."""

    now: dict[str, int] = field(default_factory=dict)  # channel → reachable now
    waiting: dict[str, int] = field(default_factory=dict)  # channel → not until they write
    # Who qualifies but gets nothing, and why (`left_out`: turned news off, blocked the bot).
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.now.values()) + sum(self.waiting.values())

    @property
    def waiting_total(self) -> int:
        return sum(self.waiting.values())


async def reach_of(
    session: AsyncSession,
    audience: Audience,
    now: datetime,
    default_locale: str,
    since_of: Callable[[str], datetime | None],
) -> Reach:
    """The people of `count`, split per channel into reachable now and waiting: someone whose
    last message to the bot is older than `since_of(channel)` waits (None: nobody does)."""
    found = people(audience, now, default_locale)
    per_channel = dict(
        (channel, int(n))
        for channel, n in await session.execute(
            select(found.c.channel, func.count()).group_by(found.c.channel)
        )
    )
    waiting: dict[str, int] = {}
    for channel in per_channel:
        since = since_of(channel)
        if since is None:
            continue
        late = await session.scalar(
            select(func.count())
            .select_from(found)
            .join(User, User.id == found.c.user_id)
            .where(
                found.c.channel == channel,
                or_(User.last_seen_at.is_(None), User.last_seen_at < since),
            )
        )
        if late:
            waiting[channel] = int(late)
    reachable = {ch: n - waiting.get(ch, 0) for ch, n in sorted(per_channel.items())}
    return Reach({ch: n for ch, n in reachable.items() if n}, dict(sorted(waiting.items())))


async def recipients(
    session: AsyncSession, audience: Audience, now: datetime, default_locale: str
) -> list[Recipient]:
    """Everyone the broadcast would reach now, once each, in user id order."""
    found = people(audience, now, default_locale)
    rows = await session.execute(select(found).order_by(found.c.user_id))
    return [Recipient(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class SessionChoice:
    session_id: int
    starts_at: datetime
    ends_at: datetime
    booked: int  # confirmed bookings


async def upcoming_sessions(
    session: AsyncSession, point_id: str, now: datetime, limit: int = 8
) -> list[SessionChoice]:
    """The point's next open sessions, with how many visits are booked in each."""
    booked = (
        select(Slot.session_id, func.count(Booking.id).label("n"))
        .join(Booking, Booking.slot_id == Slot.id)
        .where(Booking.status == "confirmed", Slot.point_id == point_id)
        .group_by(Slot.session_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            BookingSession.id,
            BookingSession.starts_at,
            BookingSession.ends_at,
            func.coalesce(booked.c.n, 0),
        )
        .outerjoin(booked, booked.c.session_id == BookingSession.id)
        .where(
            BookingSession.point_id == point_id,
            BookingSession.status == "open",
            BookingSession.ends_at > now,
        )
        .order_by(BookingSession.starts_at)
        .limit(limit)
    )
    return [SessionChoice(sid, starts, ends, n) for sid, starts, ends, n in rows]
