"""The `trolyso report …` command group: CSV reports on standard output.

Features add their reports to the one `report` parser:

    from bot.reports import report_commands
    p = report_commands(subparsers).add_parser("bookings", help="...")
    p.set_defaults(func=run)

`open_database(config)` gives a report the bot's database, migrated to the current schema.
"""

from __future__ import annotations

import argparse
import csv
import sys
import weakref
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, TextIO, TypeAlias
from zoneinfo import ZoneInfo

from bot.config import Config

if TYPE_CHECKING:
    # What `add_subparsers` returns; typeshed names it by argparse's private class (only for
    # the type checker, never at run time).
    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

# The `report` parser's sub-commands, by the `report` parser (argparse keeps them only in its
# private `_actions`).
_INNER: weakref.WeakKeyDictionary[argparse.ArgumentParser, Commands] = weakref.WeakKeyDictionary()


def report_commands(sub: Commands) -> Commands:
    """The sub-commands of `trolyso report`, created on first use."""
    parser = sub.choices.get("report")
    if parser is None:
        parser = sub.add_parser("report", help="CSV reports (questions, guides, ...)")
        inner = parser.add_subparsers(
            dest="report_command", metavar="REPORT", parser_class=type(parser)
        )
        inner.required = True
        _INNER[parser] = inner
    return _INNER[parser]


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def iso_date(text: str) -> date:
    """An argparse type: a day written YYYY-MM-DD (argparse's own message would name
    `fromisoformat`)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def since_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        type=iso_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="only count from this day (Hanoi time)",
    )


def start_of(day: date | None, tz: ZoneInfo) -> datetime | None:
    """Midnight of `day` in the bot's time zone, as UTC."""
    if day is None:
        return None
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def write_csv(
    header: Iterable[str], rows: Iterable[Iterable[object]], out: TextIO | None = None
) -> None:
    writer = csv.writer(out or sys.stdout, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


@asynccontextmanager
async def open_database(config: Config) -> AsyncIterator:
    from bot.db import Database, load_models, resolve_url

    load_models()
    db = Database(resolve_url(config.database.url, config.base_dir))
    try:
        await db.upgrade()
        yield db
    finally:
        await db.close()
