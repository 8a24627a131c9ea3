"""`trolyso officers add|remove|list` and `trolyso report audit`.

Changes made here are audited as `cli:<os user>`. Unit ids are checked against
content/places/units.toml; a wrong one stops the command (exit 2) with a suggestion.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from sqlalchemy.ext.asyncio import AsyncSession

from bot import reports
from bot.clock import Clock
from bot.config import Config
from bot.db.officer_models import ROLES
from bot.errors import TrolysoError
from bot.i18n import ngettext, use_locale
from bot.officers import audit, manage
from bot.officers import service as officer_service
from bot.officers.accounts import (
    ACCOUNT_FORM,
    DEFAULT_CHANNEL,
    FORMS,
    BadAccount,
    parse_account,
)
from bot.officers.units import check_units, read_units_file
from bot.services.actor import Actor
from bot.services.context import ServiceContext

AUDIT_HEADER = ("at", "actor", "action", "target", "unit", "before", "after")


class OfficerCommandError(TrolysoError):
    """Wrong input to an `officers` command; the message says what to type instead."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    officers = sub.add_parser("officers", help="officers and admins: add, remove, list")
    tasks = officers.add_subparsers(
        dest="officers_command", metavar="TASK", parser_class=type(officers)
    )
    tasks.required = True

    add = tasks.add_parser(
        "add",
        help="make someone an officer or admin (or change their "
        "role and units: they become exactly the ones given)",
    )
    add.add_argument("account", metavar="CHANNEL:ID", help=ACCOUNT_FORM)
    add.add_argument(
        "--role",
        choices=ROLES,
        default="officer",
        help="officer: acts for the given units only; admin: for every unit",
    )
    add.add_argument(
        "--unit",
        dest="units",
        action="append",
        default=[],
        metavar="UNIT_ID",
        help="a unit id from content/places/units.toml, e.g. hoan-kiem "
        "(repeat for several; an officer needs at least one)",
    )
    _channel_argument(add)
    add.set_defaults(func=cmd_add)

    remove = tasks.add_parser("remove", help="take every officer right away from someone")
    remove.add_argument("account", metavar="CHANNEL:ID", help=ACCOUNT_FORM)
    _channel_argument(remove)
    remove.set_defaults(func=cmd_remove)

    listing = tasks.add_parser("list", help="list officers, admins and their units")
    listing.set_defaults(func=cmd_list)

    report = reports.report_commands(sub).add_parser(
        "audit", help="every officer and operator action (who, what, when, before/after)"
    )
    reports.since_argument(report)
    report.add_argument("--csv", action="store_true", help="CSV instead of a readable table")
    report.set_defaults(func=cmd_report_audit)


def _channel_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--channel",
        choices=sorted(FORMS),
        default=None,
        help=f"the channel of a bare id (default: {DEFAULT_CHANNEL}); the same as CHANNEL:ID",
    )


def _config(args: argparse.Namespace) -> Config:
    from bot.cli import load_config

    return load_config(args)


def operator_context(cfg: Config, session: AsyncSession) -> ServiceContext:
    """The services as the operator at this machine's command line (an admin, audited as
    `cli:<os user>`)."""
    return ServiceContext(
        actor=Actor.operator(audit.cli_actor()),
        session=session,
        clock=Clock(),
        tz=cfg.tz,
        content_dir=cfg.path("paths.content"),
    )


def _account(args: argparse.Namespace) -> tuple[str, str]:
    try:
        return parse_account(args.account, args.channel)
    except BadAccount as e:
        raise OfficerCommandError(str(e)) from None


def cmd_add(args: argparse.Namespace) -> int:
    cfg = _config(args)
    channel, user_id = _account(args)
    units = sorted(set(args.units))
    if args.role == "officer" and not units:
        raise OfficerCommandError(
            "an officer needs at least one --unit UNIT_ID (or use --role admin for every unit)"
        )
    check_units(units, read_units_file(cfg.path("paths.content")))

    async def run() -> bool:
        async with reports.open_database(cfg) as db, db.transaction() as session:
            sc = operator_context(cfg, session)
            return await officer_service.grant(sc, channel, user_id, args.role, units)

    changed = asyncio.run(run())
    scope = "every unit" if args.role == "admin" else ", ".join(units)
    extra = f" and {', '.join(units)}" if args.role == "admin" and units else ""
    state = "now" if changed else "already"
    print(f"{channel}:{user_id} is {state} {args.role} for {scope}{extra}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    cfg = _config(args)
    channel, user_id = _account(args)

    async def run() -> bool:
        async with reports.open_database(cfg) as db, db.transaction() as session:
            return await officer_service.revoke(operator_context(cfg, session), channel, user_id)

    if not asyncio.run(run()):
        raise OfficerCommandError(
            f"{channel}:{user_id} is not an officer (see `trolyso officers list`)"
        )
    print(f"{channel}:{user_id} is no longer an officer")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    cfg = _config(args)

    async def run() -> list[tuple[str, str, str, str]]:
        async with reports.open_database(cfg) as db, db.transaction() as session:
            return [
                (
                    ", ".join(o.identities),
                    o.role,
                    _scope(o.role, o.unit_ids),
                    o.created_at.astimezone(cfg.tz).date().isoformat(),
                )
                for o in await manage.all_officers(session)
            ]

    rows = asyncio.run(run())
    if not rows:
        print(
            "no officers yet (add one with `trolyso officers add CHANNEL:ID`, or list "
            "accounts under [officers] in config.toml)"
        )
        return 0
    width = max(len(r[0]) for r in rows)
    for who, role, scope, since in rows:
        print(f"{who:<{width}}  {role:<7}  since {since}  {scope}")
    with use_locale("en"):  # the command line speaks English, with proper plurals
        print(ngettext("{n} officer or admin", "{n} officers and admins", len(rows)))
    return 0


def _scope(role: str, unit_ids: list[str]) -> str:
    if role == "admin":
        return "every unit" + (f" (serves {', '.join(unit_ids)})" if unit_ids else "")
    return ", ".join(unit_ids)


def cmd_report_audit(args: argparse.Namespace) -> int:
    cfg = _config(args)
    start = reports.start_of(args.since, cfg.tz)

    async def run() -> list[tuple[str, ...]]:
        async with reports.open_database(cfg) as db, db.transaction() as session:
            return [
                (
                    e.at.astimezone(cfg.tz).isoformat(timespec="seconds"),
                    e.actor,
                    e.action,
                    e.target,
                    e.unit_id or "",
                    _json(e.before),
                    _json(e.after),
                )
                for e in await audit.since(session, start)
            ]

    rows = asyncio.run(run())
    if args.csv:
        reports.write_csv(AUDIT_HEADER, rows)
        return 0
    if not rows:
        print("no audit entries" + (f" since {args.since}" if args.since else ""))
        return 0
    for at, actor, action, target, unit, before, after in rows:
        where = f" [{unit}]" if unit else ""
        print(f"{at}  {actor}  {action}  {target}{where}  {before or '-'} -> {after or '-'}")
    return 0


def _json(value: object) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
