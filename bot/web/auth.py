"""Logging in to the officers' web pages without a password: the bot hands an officer a
one-time link; the link opens a server-side session held by a cookie.

The rules, in one place: a link is issued only to an officer or admin, is valid for
`LINK_MINUTES`, opens at most one session, and belongs to the chat account that asked for it.
A session lasts `web.session_hours` unless its owner logs out here or everywhere, and ends as
soon as that account is no longer an officer. Only the SHA-256 of a link's token or a
session's cookie is stored. Issuing, logging in and logging out are in the audit log (ids
only).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import rowcount
from bot.db.models import User
from bot.db.web_models import WebLoginLink, WebSession
from bot.i18n import N_
from bot.officers import audit
from bot.services.actor import Actor, actor_for_identity
from bot.services.context import ServiceContext
from bot.services.errors import NOT_OFFICER, NotAllowed
from bot.services.registry import officer_service

LINK_MINUTES = 5
TOKEN_BYTES = 32  # 256 random bits: guessing one is hopeless, the rate limit aside

audit.register_action("web.link", N_("Web login link sent"))
audit.register_action("web.login", N_("Logged in to the web pages"))
audit.register_action("web.logout", N_("Logged out of the web pages"))
audit.register_action("web.logout_all", N_("Logged out of the web pages everywhere"))


class LinkProblem(StrEnum):
    UNKNOWN = "unknown"  # no such link (mistyped, cut short, or made up)
    USED = "used"  # it already opened a session
    EXPIRED = "expired"  # older than LINK_MINUTES
    NOT_OFFICER = "not_officer"  # the account lost its officer rights since


class LinkRefused(Exception):
    def __init__(self, problem: LinkProblem):
        super().__init__(problem.value)
        self.problem = problem


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_label(user: User) -> str:
    """How the officer appears in the audit log: the same as for their actions in the chat."""
    return f"{user.channel}:{user.external_id}"


async def actor_of_user(session: AsyncSession, user: User) -> Actor:
    """Who this chat account acts as now: their person's current officer grant, if any."""
    return await actor_for_identity(session, user.channel, user.external_id)


@officer_service
async def issue_link(sc: ServiceContext, locale: str, chat_id: str) -> str:
    """A new login token for the officer or admin asking (NotAllowed for anyone else), bound
    to the chat account they asked from. The caller turns it into an address with
    `login_url`; `locale` is the language the pages will speak, `chat_id` the chat asked
    from (a broadcast sent from the pages reports there)."""
    sc.actor.require_officer()
    if sc.actor.user_id is None:  # an operator at the command line has no chat account
        raise NotAllowed(NOT_OFFICER)
    token = new_token()
    now = sc.now()
    link = WebLoginLink(
        token_hash=digest(token),
        user_id=sc.actor.user_id,
        locale=locale,
        chat_id=chat_id,
        created_at=now,
        expires_at=now + timedelta(minutes=LINK_MINUTES),
    )
    sc.session.add(link)
    await sc.session.flush()
    await audit.record_by(sc, "web.link", f"web_link:{link.id}", None, None)
    return token


def login_url(public_url: str, token: str) -> str:
    return f"{public_url}/web/login/{token}"


async def check_link(session: AsyncSession, token: str, now: datetime) -> WebLoginLink:
    """The link, if it could log someone in now; LinkRefused saying why not. Changes nothing
    (a messenger fetching the link for a preview must not use it up)."""
    link = await session.scalar(
        select(WebLoginLink).where(WebLoginLink.token_hash == digest(token))
    )
    if link is None:
        raise LinkRefused(LinkProblem.UNKNOWN)
    if link.used_at is not None:
        raise LinkRefused(LinkProblem.USED)
    if now >= link.expires_at:
        raise LinkRefused(LinkProblem.EXPIRED)
    return link


@dataclass(frozen=True)
class Opened:
    session: WebSession
    cookie: str  # the secret for the browser; only its hash is stored


async def redeem_link(session: AsyncSession, token: str, now: datetime, *, hours: int) -> Opened:
    """Use the link up and open a session for its officer (LinkRefused when it cannot)."""
    link = await check_link(session, token, now)
    # Conditional, so two browsers racing with one link cannot both get in.
    used = await session.execute(
        update(WebLoginLink)
        .where(WebLoginLink.id == link.id, WebLoginLink.used_at.is_(None))
        .values(used_at=now)
    )
    if rowcount(used) != 1:
        raise LinkRefused(LinkProblem.USED)
    user = await session.get(User, link.user_id)
    if user is None or not (await actor_of_user(session, user)).is_officer:
        raise LinkRefused(LinkProblem.NOT_OFFICER)
    cookie = new_token()
    opened = WebSession(
        token_hash=digest(cookie),
        user_id=user.id,
        csrf=secrets.token_urlsafe(24),
        locale=link.locale,
        chat_id=link.chat_id,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    session.add(opened)
    await session.flush()
    await audit.record(
        session, actor_label(user), "web.login", f"web_session:{opened.id}", None, None, at=now
    )
    return Opened(opened, cookie)


async def live_session(session: AsyncSession, cookie: str, now: datetime) -> WebSession | None:
    """The session this cookie holds, if it has not ended or expired."""
    return await session.scalar(
        select(WebSession).where(
            WebSession.token_hash == digest(cookie),
            WebSession.ended_at.is_(None),
            WebSession.expires_at > now,
        )
    )


async def log_out(session: AsyncSession, user: User, ws: WebSession, now: datetime) -> None:
    await session.execute(update(WebSession).where(WebSession.id == ws.id).values(ended_at=now))
    await audit.record(
        session, actor_label(user), "web.logout", f"web_session:{ws.id}", None, None, at=now
    )


async def log_out_everywhere(session: AsyncSession, user: User, now: datetime) -> int:
    """End every open session of this account; how many were open."""
    ended = await session.execute(
        update(WebSession)
        .where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    await audit.record(
        session,
        actor_label(user),
        "web.logout_all",
        f"user:{user.id}",
        None,
        {"sessions": rowcount(ended)},
        at=now,
    )
    return rowcount(ended)


async def end_session(session: AsyncSession, ws: WebSession, now: datetime) -> None:
    """End a session whose account is no longer an officer (not an action of theirs)."""
    await session.execute(update(WebSession).where(WebSession.id == ws.id).values(ended_at=now))
