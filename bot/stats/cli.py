"""`trolyso report bookings|attendance|broadcasts`: CSV on standard output.

    trolyso report bookings [--since YYYY-MM-DD] [--unit hoan-kiem ...]
    trolyso report attendance [--since YYYY-MM-DD] [--unit hoan-kiem ...]
    trolyso report broadcasts [--since YYYY-MM-DD]

A wrong unit id stops the command (exit 2) with a suggestion.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from bot.reports import open_database, report_commands, since_argument, start_of, write_csv
from bot.stats import bookings

BROADCASTS_HEADER = (
    "id",
    "created",
    "author",
    "audience",
    "target",
    "status",
    "recipients",
    "delivered",
    "unreachable",
    "failed",
    "skipped",
    "finished",
    "text",
)

Produce = Callable[[AsyncSession, Config, datetime | None], Awaitable[tuple[tuple, list]]]


def add_parser(sub: argparse._SubParsersAction) -> None:
    reports = report_commands(sub)
    for name, func, text in (
        (
            "bookings",
            cmd_bookings,
            "bookings, cancellations, attended and no-shows per support point and ISO week",
        ),
        (
            "attendance",
            cmd_attendance,
            "visits already over per support point and ISO "
            "week: attended, no-shows, not marked, attended %",
        ),
    ):
        report = reports.add_parser(name, help=text)
        since_argument(report)
        report.add_argument(
            "--unit",
            dest="units",
            action="append",
            default=[],
            metavar="UNIT_ID",
            help="only this commune or ward, e.g. hoan-kiem (repeat for several)",
        )
        report.set_defaults(func=func)
    report = reports.add_parser(
        "broadcasts",
        help="officers' broadcasts: audience, recipients, delivered, unreachable, failed",
    )
    since_argument(report)
    report.set_defaults(func=cmd_broadcasts)


def _run(args: argparse.Namespace, produce: Produce) -> int:
    from bot.cli import load_config

    config = load_config(args)
    units = getattr(args, "units", None)
    if units:
        from bot.officers.units import check_units, read_units_file

        check_units(units, read_units_file(config.path("paths.content")))
    since = start_of(args.since, config.tz)

    async def run() -> tuple[tuple, list]:
        async with open_database(config) as db, db.transaction() as session:
            return await produce(session, config, since)

    header, rows = asyncio.run(run())
    write_csv(header, rows, sys.stdout)
    return 0


def _weeks(args: argparse.Namespace):
    async def weeks(session: AsyncSession, config: Config, since: datetime | None):
        return await bookings.by_point_week(
            session, config.tz, datetime.now(UTC), since=since, unit_ids=args.units or None
        )

    return weeks


def cmd_bookings(args: argparse.Namespace) -> int:
    async def produce(session: AsyncSession, config: Config, since: datetime | None):
        return (
            bookings.BOOKINGS_HEADER,
            bookings.booking_rows(await _weeks(args)(session, config, since)),
        )

    return _run(args, produce)


def cmd_attendance(args: argparse.Namespace) -> int:
    async def produce(session: AsyncSession, config: Config, since: datetime | None):
        return (
            bookings.ATTENDANCE_HEADER,
            bookings.attendance_rows(await _weeks(args)(session, config, since)),
        )

    return _run(args, produce)


def cmd_broadcasts(args: argparse.Namespace) -> int:
    async def produce(session: AsyncSession, config: Config, since: datetime | None):
        return BROADCASTS_HEADER, await broadcast_rows(session, config, since)

    return _run(args, produce)


async def broadcast_rows(
    session: AsyncSession, config: Config, since: datetime | None
) -> list[tuple]:
    """One row per broadcast, oldest first; a running one with its counts so far."""
    from bot.broadcasts.progress import tally
    from bot.db.broadcast_models import Broadcast

    query = select(Broadcast).order_by(Broadcast.id)
    if since is not None:
        query = query.where(Broadcast.created_at >= since)
    rows = []
    for b in (await session.scalars(query)).all():
        if b.status == "done":
            counts = (b.delivered, b.unreachable, b.failed, b.skipped)
        else:
            t = await tally(session, b)
            counts = (t.delivered, t.unreachable, t.failed, t.skipped)
        finished = _local(b.finished_at, config) if b.finished_at else ""
        rows.append(
            (
                b.id,
                _local(b.created_at, config),
                b.author,
                b.audience_kind,
                " ".join(str(t) for t in b.audience_target),
                b.status,
                b.recipients,
                *counts,
                finished,
                b.text,
            )
        )
    return rows


def _local(when: datetime, config: Config) -> str:
    return when.astimezone(config.tz).isoformat(timespec="seconds")
