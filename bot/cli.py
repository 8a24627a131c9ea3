"""The `trolyso` command. The only place that turns errors into messages and exit codes."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from bot import __version__, i18n, logsafe
from bot import config as config_mod
from bot.channels import NAMES as CHANNEL_NAMES
from bot.errors import TrolysoError
from bot.services.errors import ServiceError
from bot.services.messages import render

log = logging.getLogger("trolyso")

# Feature modules add their own sub-commands here: name → (configure parser, run).
Command = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line + exit 2, never a traceback or a page of usage
        self.exit(2, f"{self.prog}: error: {message} (usage: {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="trolyso", description="Trợ lý số — Hanoi's citizen-help bot.")
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="settings file (default: $TROLYSO_CONFIG or ./config.toml)",
    )
    parser.add_argument("--version", action="version", version=f"trolyso {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    run = sub.add_parser("run", help="run the bot")
    run.add_argument(
        "--channel",
        choices=sorted(CHANNEL_NAMES),
        default=None,
        help="default: the first messenger whose token is set, else the terminal chat",
    )
    run.add_argument(
        "--webhook",
        action="store_true",
        help="serve a webhook instead of long polling (channels that take webhooks)",
    )
    run.set_defaults(func=cmd_run)

    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(dest="db_command", metavar="TASK", parser_class=_Parser)
    db_sub.required = True
    up = db_sub.add_parser("upgrade", help="apply schema migrations")
    up.set_defaults(func=cmd_db_upgrade)
    backup = db_sub.add_parser(
        "backup", help="copy the SQLite database to PATH while the bot runs (online backup)"
    )
    backup.add_argument("path", type=Path, metavar="PATH", help="new file to write")
    backup.set_defaults(func=cmd_db_backup)
    copy = db_sub.add_parser(
        "copy", help="copy every table into another, empty database (SQLite → PostgreSQL)"
    )
    copy.add_argument("--to", required=True, metavar="URL", help="the target database URL")
    copy.set_defaults(func=cmd_db_copy)

    from bot import commands

    commands.register(sub)
    return parser


def load_config(args: argparse.Namespace) -> config_mod.Config:
    cfg = config_mod.load(args.config)
    logging.basicConfig(
        level=cfg.logging.level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("httpx", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logsafe.install(secrets_of(cfg))
    for line in cfg.deprecations:
        log.warning("%s", line)
    return cfg


def _value(cfg: config_mod.Config, key: str) -> object:
    found: object = cfg
    for part in key.split("."):
        found = getattr(found, part, None)
    return found


def secrets_of(cfg: config_mod.Config) -> list[str]:
    """What must never appear in a log line or an error message."""
    from sqlalchemy.engine import make_url

    password = make_url(cfg.database.url).password
    # The database URL is secret only for its password (masked on its own: the rest of the
    # URL names the database, which an operator needs to read).
    secrets = [
        str(_value(cfg, s.key) or "")
        for s in config_mod.SCHEMA
        if s.secret and s.key != "database.url"
    ]
    return [*secrets, str(password or "")]


def cmd_run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    from bot import app
    from bot.channels import default_channel
    from bot.db import resolve_url
    from bot.runlock import one_instance

    # One bot per SQLite database: refused before anything is opened or written.
    with one_instance(resolve_url(cfg.database.url, cfg.base_dir)):
        app.run(cfg, args.channel or default_channel(cfg), webhook=args.webhook)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    from bot.db import Database, resolve_url

    async def upgrade() -> str | None:
        db = Database(resolve_url(cfg.database.url, cfg.base_dir))
        try:
            await db.upgrade()
            return await db.current_revision()
        finally:
            await db.close()

    print(f"database schema at revision {asyncio.run(upgrade())}")
    return 0


def cmd_db_backup(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    from bot.db import resolve_url
    from bot.db.ops import backup_sqlite

    size = backup_sqlite(resolve_url(cfg.database.url, cfg.base_dir), args.path)
    print(f"wrote {args.path} ({size // 1024} KiB)")
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    from bot.db import Database, resolve_url
    from bot.db.ops import copy_database

    async def copy() -> dict[str, int]:
        source = Database(resolve_url(cfg.database.url, cfg.base_dir))
        target = Database(resolve_url(args.to, cfg.base_dir))
        try:
            return await copy_database(source, target)
        finally:
            await target.close()
            await source.close()

    copied = asyncio.run(copy())
    for table, n in copied.items():
        print(f"{table:<32} {n}")
    print(f"copied {sum(copied.values())} rows in {len(copied)} tables")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except TrolysoError as e:
        print(f"trolyso: {logsafe.mask(str(e))}", file=sys.stderr)
        return 2
    except ServiceError as e:  # a service's refusal: the words the chat shows, in English
        with i18n.use_locale("en"):
            print(f"trolyso: {render(e)}", file=sys.stderr)
        return 2
    except OSError as e:  # a file that cannot be written or read: say which, in one line
        where = f": {e.filename}" if e.filename else ""
        print(f"trolyso: {e.strerror or e}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
