"""`trolyso report handoff|handoff-suggestions`: CSV on standard output.

trolyso report handoff [--since YYYY-MM-DD] [--unit hoan-kiem ...]
    unit, asked, answered, median minutes to the first answer, unanswered after 24 h
trolyso report handoff-suggestions [--since YYYY-MM-DD]
    questions officers suggested as new guides (masked, without who asked)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from sqlalchemy import select

from bot.reports import open_database, report_commands, since_argument, start_of, write_csv

SUGGESTIONS_HEADER = ("created", "unit", "locale", "text")


def add_parser(sub: argparse._SubParsersAction) -> None:
    reports = report_commands(sub)
    report = reports.add_parser(
        "handoff",
        help="citizens' questions to officers per unit: asked, answered, median minutes to "
        "the first answer, unanswered after 24 h",
    )
    since_argument(report)
    report.add_argument(
        "--unit",
        dest="units",
        action="append",
        default=[],
        metavar="UNIT_ID",
        help="only this commune or ward, e.g. hoan-kiem (repeat for several)",
    )
    report.set_defaults(func=cmd_handoff)
    report = reports.add_parser(
        "handoff-suggestions", help="questions officers suggested as new guides"
    )
    since_argument(report)
    report.set_defaults(func=cmd_suggestions)


def cmd_handoff(args: argparse.Namespace) -> int:
    from bot.cli import load_config
    from bot.handoff.numbers import HEADER, per_unit

    config = load_config(args)
    if args.units:
        from bot.officers.units import check_units, read_units_file

        check_units(args.units, read_units_file(config.path("paths.content")))
    since = start_of(args.since, config.tz)

    async def run() -> list[tuple]:
        async with open_database(config) as db, db.transaction() as session:
            found = await per_unit(
                session, datetime.now(UTC), since=since, unit_ids=args.units or None
            )
            return [n.row() for n in found]

    write_csv(HEADER, asyncio.run(run()), sys.stdout)
    return 0


def cmd_suggestions(args: argparse.Namespace) -> int:
    from bot.cli import load_config
    from bot.db.handoff_models import GuideSuggestion

    config = load_config(args)
    since = start_of(args.since, config.tz)

    async def run() -> list[tuple]:
        async with open_database(config) as db, db.transaction() as session:
            query = select(GuideSuggestion).order_by(GuideSuggestion.created_at)
            if since is not None:
                query = query.where(GuideSuggestion.created_at >= since)
            return [
                (s.created_at.astimezone(config.tz).isoformat(), s.unit_id, s.locale, s.text)
                for s in await session.scalars(query)
            ]

    write_csv(SUGGESTIONS_HEADER, asyncio.run(run()), sys.stdout)
    return 0
