"""The audit log: every officer and operator action, written in the same transaction as the
action itself (so an action that fails leaves no entry, and no action goes unrecorded).

Entries hold ids and codes only. `record` refuses a value that looks like a Vietnamese phone
number and keys that name personal data, so a citizen's name or phone never lands here.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.officer_models import AuditEntry
from bot.i18n import N_

if TYPE_CHECKING:
    from bot.services.context import ServiceContext

CONFIG_ACTOR = "config"  # officer rights granted from config.toml at start
PERSONAL_KEYS = frozenset(
    {"phone", "phone_number", "name", "full_name", "visitor_name", "address"}
)
_PHONE = re.compile(r"(?<![\d])(?:\+84|0)[35789]\d{8}(?!\d)")

# action code → msgid of its plain-words label, shown to officers. Features register theirs.
ACTION_LABELS: dict[str, str] = {}


class PersonalDataInAudit(ValueError):
    """A programming error: personal data was about to be written to the audit log."""


def register_action(code: str, label: str) -> None:
    ACTION_LABELS[code] = label


register_action("bootstrap", N_("Officer rights granted from the config file"))
register_action("officer.add", N_("Officer rights granted or changed"))
register_action("officer.remove", N_("Officer rights removed"))


def cli_actor() -> str:
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name (some containers)
        user = "unknown"
    return f"cli:{user}"[:96]


def _check(value: Any, where: str) -> None:
    if isinstance(value, str):
        if _PHONE.search(value):
            raise PersonalDataInAudit(f"audit {where}: looks like a phone number; store an id")
    elif isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() in PERSONAL_KEYS:
                raise PersonalDataInAudit(
                    f"audit {where}: key {key!r} is personal data; store an id"
                )
            _check(item, where)
    elif isinstance(value, list | tuple):
        for item in value:
            _check(item, where)


async def record(
    session: AsyncSession,
    actor: str,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    unit_id: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add one entry to the caller's transaction (committed or rolled back with it)."""
    for where, value in (("target", target), ("before", before), ("after", after)):
        _check(value, where)
    entry = AuditEntry(
        at=at or datetime.now(UTC),
        actor=actor[:96],
        action=action[:64],
        target=target[:128],
        unit_id=unit_id,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


async def record_by(
    sc: ServiceContext,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    unit_id: str | None = None,
) -> AuditEntry:
    """`record` for an action a service takes: by its actor, at the clock's time."""
    return await record(
        sc.session, sc.actor.label, action, target, before, after, unit_id=unit_id, at=sc.now()
    )


async def recent(
    session: AsyncSession, unit_ids: Iterable[str] | None, limit: int = 10
) -> list[AuditEntry]:
    """The latest entries, newest first: of these units, or of everything when None."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if unit_ids is not None:
        query = query.where(AuditEntry.unit_id.in_(list(unit_ids)))
    return list((await session.execute(query)).scalars())


async def since(session: AsyncSession, start: datetime | None) -> list[AuditEntry]:
    """Every entry from `start` on (all when None), oldest first: the audit report."""
    query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
    if start is not None:
        query = query.where(AuditEntry.at >= start)
    return list((await session.execute(query)).scalars())
