"""Officer broadcasts as a service: who may send to which audience (subscribers of their own
units, visitors of their own points or sessions, everyone for admins), how many people it
would reach, and queueing it with its audit entries. A chat dialog, a web page or the command
line call the same functions; each checks the actor's rights itself."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime

from bot.broadcasts import texts
from bot.broadcasts.audience import (
    Audience,
    Reach,
    SessionChoice,
    left_out,
    reach_of,
    upcoming_sessions,
)
from bot.broadcasts.news import BROADCAST_KIND
from bot.broadcasts.queue import Author, send
from bot.channels.policy import SendPolicy
from bot.channels.profiles import profile
from bot.config import Config
from bot.db.booking_models import BookingSession
from bot.db.broadcast_models import Broadcast
from bot.i18n import N_
from bot.ids import parse_id
from bot.officers import audit
from bot.points.model import Point
from bot.services.context import ServiceContext
from bot.services.errors import NOT_OFFICER, NotAllowed, Refused
from bot.services.messages import define
from bot.services.registry import officer_service

audit.register_action("broadcast.send", N_("Broadcast sent"))
define(
    "broadcast.unknown_target",
    N_(
        "I don't know that support point, session, commune or ward, so I did "
        "nothing. Please choose again:"
    ),
)


class UnknownTarget(Refused):
    """A point, session or unit that does not exist (a forged or very old button)."""

    def __init__(self) -> None:
        super().__init__("broadcast.unknown_target")


def point_of(sc: ServiceContext, point_id: str) -> Point:
    point = sc.places.points.get(point_id) if sc.places else None
    if point is None:
        raise UnknownTarget()
    return point


async def session_of(sc: ServiceContext, session_id: object) -> BookingSession:
    found = parse_id(str(session_id))
    row = await sc.session.get(BookingSession, found) if found is not None else None
    if row is None:
        raise UnknownTarget()
    return row


@officer_service
async def authorise(sc: ServiceContext, audience: Audience) -> list[str | None]:
    """Check the actor may send to `audience` (NotAllowed if not, UnknownTarget when it does
    not exist); the units it concerns, for the audit log (None: above any one unit)."""
    actor = sc.actor.require_officer()
    if audience.kind == "everyone":
        actor.require_admin()
        return [None]
    if audience.kind == "units":
        known = sc.units()
        for unit_id in audience.target:
            actor.require_unit(str(unit_id))
            if unit_id not in known:
                raise UnknownTarget()
        return list(audience.target)
    if audience.kind == "point":
        point = point_of(sc, str(audience.target[0]))
        actor.require_unit(point.unit)
        return [point.unit]
    row = await session_of(sc, audience.target[0])
    actor.require_unit(row.unit_id)
    return [row.unit_id]


@officer_service
async def my_points(sc: ServiceContext) -> list[Point]:
    """The support points of the actor's own units (whose visitors they may write to)."""
    actor = sc.actor.require_officer()
    if sc.places is None:
        return []
    return [p for u in actor.sorted_units for p in sc.places.points_of(u)]


@officer_service
async def sessions_of(sc: ServiceContext, point_id: str) -> tuple[Point, list[SessionChoice]]:
    """The point's next open sessions, if the actor may write to its visitors."""
    sc.actor.require_officer()
    point = point_of(sc, point_id)
    sc.actor.require_unit(point.unit)
    return point, await upcoming_sessions(sc.session, point.id, sc.now())


@dataclass(frozen=True)
class PaidCost:
    """A broadcast's paid messages on one channel, and what they cost at most."""

    channel: str
    messages: int
    stars: int  # rounded up; only the messages delivered are charged


def paid_costs(by_channel: dict[str, int], config: Config) -> list[PaidCost]:
    """What a broadcast to these recipients (channel → people) costs where it goes as paid
    messages (a channel's `paid_broadcast` setting); nothing where it goes free."""
    costs = []
    for name, people in sorted(by_channel.items()):
        found = profile(config, name)
        if BROADCAST_KIND in found.paid_kinds and people:
            stars = math.ceil(round(people * found.paid_stars_per_message, 6))
            costs.append(PaidCost(name, people, stars))
    return costs


def pays_for_broadcasts(config: Config) -> bool:
    """Whether any configured channel sends broadcasts as paid messages."""
    return any(
        BROADCAST_KIND in profile(config, f.name).paid_kinds for f in fields(config.channels)
    )


@officer_service
async def reach_now(
    sc: ServiceContext,
    audience: Audience,
    default_locale: str,
    policy_of: Callable[[str], SendPolicy],
) -> Reach:
    """Who the broadcast would reach, per channel: now, or only once they write again, and who
    qualifies but gets nothing and why (turned news off, blocked the bot) — the preview, in
    the chat and on the web. `policy_of(channel)` is that channel's send policy (the core's
    profiles), which knows its reply window."""
    await authorise(sc, audience)
    now = sc.now()

    def since(channel: str) -> datetime | None:
        return policy_of(channel).reachable_since(BROADCAST_KIND, now)

    found = await reach_of(sc.session, audience, now, default_locale, since)
    missed = await left_out(sc.session, audience, now, default_locale)
    return replace(found, left_out=missed)


@officer_service
async def send_broadcast(
    sc: ServiceContext,
    audience: Audience,
    text: str,
    sender: Callable[[], texts.Sender],
    *,
    reply_to: tuple[str, str, str],
    default_locale: str,
) -> Broadcast | None:
    """Queue the broadcast (None when nobody is left to send to) and audit it once per unit
    it concerns. `reply_to` is (channel, chat id, locale) where progress and the final report
    go. Rights are checked again here: they may have changed since the preview."""
    units = await authorise(sc, audience)
    actor = sc.actor
    if actor.officer_id is None or actor.user_id is None:
        # Progress reaches the sender in their chat: an officer with a channel account.
        raise NotAllowed(NOT_OFFICER)
    channel, chat_id, locale = reply_to
    author = Author(actor.officer_id, actor.label, actor.user_id, channel, chat_id, locale)
    broadcast = await send(
        sc.session,
        author=author,
        audience=audience,
        text=text,
        sender=sender,
        default_locale=default_locale,
        now=sc.now(),
    )
    if broadcast is None:
        return None
    after = {
        "audience": audience.kind,
        "target": [str(t) for t in audience.target],
        "recipients": broadcast.recipients,
        "chars": len(text),
    }
    for unit_id in units:
        await audit.record_by(
            sc, "broadcast.send", f"broadcast:{broadcast.id}", None, after, unit_id=unit_id
        )
    return broadcast
