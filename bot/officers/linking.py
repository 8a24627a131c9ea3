"""Linking another channel account to an officer's person, so their rights follow them (an
officer who uses two messengers, or the web later).

The officer asks for a code in the account they already use (`new_code`): eight characters
that cannot be misread, valid for ten minutes, used once, kept only as a hash. In the other
account they send `/link CODE` (`redeem`): that account joins their person. Wrong codes are
counted per account; after `MAX_WRONG` in an hour the account may not try again for a while,
so a code cannot be guessed. Both steps are audited (ids only).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.codes import ALPHABET
from bot.db import rowcount
from bot.db.models import User
from bot.db.officer_models import LinkAttempt, LinkCode
from bot.i18n import N_
from bot.officers import audit
from bot.services.context import ServiceContext
from bot.services.errors import NOT_OFFICER, NotAllowed, Refused
from bot.services.messages import define
from bot.services.registry import officer_service

CODE_LENGTH = 8
VALID_FOR = timedelta(minutes=10)
MAX_WRONG = 5
WRONG_WINDOW = timedelta(hours=1)

audit.register_action("officer.link_code", N_("Code to link another app made"))
audit.register_action("officer.link", N_("Another app linked to an officer"))
define(
    "link.wrong_code",
    N_(
        "That code is wrong or too old (a code works once, for 10 minutes). Please ask "
        "for a new one in the app where you use the officer tools."
    ),
)
define(
    "link.too_many",
    N_("Too many wrong codes. Please wait an hour, then ask for a new code."),
)
define(
    "link.other_person",
    N_(
        "This account already belongs to another officer, so I did nothing. Please ask "
        "an administrator."
    ),
)
define("link.no_code", N_("Please send the code with the command, like this: /link ABCD2345"))


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once, to the officer who asked
    expires_at: datetime


@dataclass(frozen=True)
class Linked:
    person_id: int
    already: bool  # the account was linked to this person before


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def tidy(typed: str) -> str:
    """What people type: lower case, spaces or a dash in the middle."""
    return "".join(c for c in typed.upper() if c.isalnum())


def shown(code: str) -> str:
    """ "ABCD2345" → "ABCD-2345" (easier to copy by hand)."""
    return f"{code[:4]}-{code[4:]}"


@officer_service
async def new_code(sc: ServiceContext) -> IssuedCode:
    """A fresh code for the actor's person."""
    actor = sc.actor.require_officer()
    if actor.person_id is None:  # the operator at the command line: no person to link to
        raise NotAllowed(NOT_OFFICER)
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    now = sc.now()
    row = LinkCode(
        person_id=actor.person_id,
        code_hash=_hash(code),
        created_at=now,
        expires_at=now + VALID_FOR,
    )
    sc.session.add(row)
    await sc.session.flush()
    await audit.record_by(sc, "officer.link_code", f"person:{actor.person_id}", None, None)
    return IssuedCode(code, row.expires_at)


async def redeem(session: AsyncSession, user: User, typed: str, now: datetime) -> Linked | Refused:
    """Attach `user`'s account to the person whose code this is. A refusal is returned, not
    raised: the wrong guess it records must be committed with the caller's transaction."""
    code = tidy(typed)
    if not code:
        return Refused("link.no_code")
    wrong = await session.scalar(
        select(func.count())
        .select_from(LinkAttempt)
        .where(LinkAttempt.user_id == user.id, LinkAttempt.at > now - WRONG_WINDOW)
    )
    if (wrong or 0) >= MAX_WRONG:
        return Refused("link.too_many")
    found = await session.scalar(
        select(LinkCode).where(
            LinkCode.code_hash == _hash(code),
            LinkCode.used_at.is_(None),
            LinkCode.expires_at > now,
        )
    )
    if found is None:
        session.add(LinkAttempt(user_id=user.id, at=now))
        return Refused("link.wrong_code")
    # Read, not taken from `user`: the chat's user row is loaded without it.
    current = await session.scalar(select(User.person_id).where(User.id == user.id))
    if current is not None and current != found.person_id:
        return Refused("link.other_person")
    claimed = await session.execute(
        update(LinkCode)
        .where(LinkCode.id == found.id, LinkCode.used_at.is_(None))
        .values(used_at=now, used_by=user.id)
    )
    if rowcount(claimed) != 1:  # used a moment ago, from somewhere else
        session.add(LinkAttempt(user_id=user.id, at=now))
        return Refused("link.wrong_code")
    await session.execute(update(User).where(User.id == user.id).values(person_id=found.person_id))
    await audit.record(
        session,
        f"{user.channel}:{user.external_id}",
        "officer.link",
        f"person:{found.person_id}",
        None,
        {"account": f"{user.channel}:{user.external_id}"},
        at=now,
    )
    await session.flush()
    return Linked(found.person_id, current == found.person_id)
