"""Officer rights from config.toml (`officers.admins`, `officers.officers`, accounts named
`CHANNEL:ID`, a bare number meaning the default channel: bot/officers/accounts.py), granted at every
start. Idempotent: rights only grow, so a second start changes nothing and writes no audit
entry; removing someone is `trolyso officers remove` (and deleting their config line)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.config import Config
from bot.db import Database
from bot.errors import ConfigError
from bot.officers import manage
from bot.officers.accounts import parse_account
from bot.officers.audit import CONFIG_ACTOR
from bot.officers.units import UnknownUnit, check_units
from bot.points.model import Unit

log = logging.getLogger(__name__)


@dataclass
class Grant:
    channel: str
    external_id: str
    role: str
    unit_ids: set[str] = field(default_factory=set)


def grants_from_config(config: Config) -> list[Grant]:
    """One grant per account; someone listed as both admin and officer is an admin who also
    serves the listed units. (config.py checked the forms: a wrong one never gets here.)"""
    grants: dict[tuple[str, str], Grant] = {}
    for entry in config.officers.admins:
        account = parse_account(entry)
        grants.setdefault(account, Grant(*account, "admin"))
    for entry in config.officers.officers:
        name, _, units = entry.rpartition(":")
        account = parse_account(name)
        grant = grants.setdefault(account, Grant(*account, "officer"))
        grant.unit_ids |= {u.strip() for u in units.split(",") if u.strip()}
    return list(grants.values())


def check_grants(grants: list[Grant], known: Mapping[str, Unit]) -> None:
    try:
        check_units(sorted({u for g in grants for u in g.unit_ids}), known)
    except UnknownUnit as e:
        raise ConfigError(f"config: officers.officers: {e}") from None


async def apply_bootstrap(db: Database, grants: list[Grant], clock: Clock) -> int:
    """Grant what config.toml says; the number of people whose rights changed."""
    for attempt in (1, 2):
        try:
            return await _apply(db, grants, clock)
        except IntegrityError:
            if attempt == 2:
                raise
            # Another process starting at the same moment granted the same rights first.
            log.info("officers: bootstrap raced another process; trying again")
    return 0


async def _apply(db: Database, grants: list[Grant], clock: Clock) -> int:
    changed = 0
    async with db.transaction() as session:
        for g in grants:
            changed += await manage.grant(
                session,
                channel=g.channel,
                external_id=g.external_id,
                role=g.role,
                unit_ids=g.unit_ids,
                actor=CONFIG_ACTOR,
                action="bootstrap",
                now=clock.now(),
                replace=False,
            )
    return changed
