"""Operator tasks on a whole database: `trolyso db backup PATH` (SQLite's online backup API:
a consistent copy while the bot runs, WAL included) and `trolyso db copy --to URL` (every table,
in dependency order, into an empty database — moving an SQLite deployment to PostgreSQL)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import Database, load_models
from bot.errors import TrolysoError

BATCH = 500


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def backup_sqlite(url: str, out: Path) -> int:
    """Copy the SQLite database at `url` to `out` with sqlite3's backup API, which reads a
    consistent snapshot (what is still in the -wal file included) while the bot keeps writing.
    Returns the size written. Refuses to overwrite a file."""
    source = sqlite_path(url)
    if source is None:
        raise TrolysoError(
            "db backup works on SQLite; for PostgreSQL use pg_dump (README.md, "
            "'Backup and restore')"
        )
    if not source.exists():
        raise TrolysoError(f"no database file at {source} (database.url)")
    if out.exists():
        raise TrolysoError(f"{out} already exists; choose a new file name")
    partial = out.with_name(out.name + ".partial")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
        finally:
            dst.close()
    except sqlite3.Error as e:
        partial.unlink(missing_ok=True)
        raise TrolysoError(f"backup failed: {e}") from None
    finally:
        src.close()
    partial.replace(out)  # a file at `out` is always a whole backup
    return out.stat().st_size


async def copy_database(source: Database, target: Database) -> dict[str, int]:
    """Copy every table's rows from `source` to `target` (both migrated to the same head
    first), parents before children. Refuses a target that holds any row. Returns rows per
    table."""
    metadata = load_models()
    await source.upgrade()
    await target.upgrade()
    tables = [t for t in metadata.sorted_tables if t.name != "alembic_version"]
    async with target.engine.connect() as conn:
        filled = [t.name for t in tables if await _count(conn, t) > 0]
    if filled:
        raise TrolysoError(
            f"the target database is not empty ({', '.join(filled[:5])}"
            f"{', …' if len(filled) > 5 else ''}); copy only into a new, empty database"
        )
    copied: dict[str, int] = {}
    async with source.engine.connect() as src, target.engine.begin() as dst:
        for table in tables:
            rows = [dict(r) for r in (await src.execute(select(table))).mappings()]
            for i in range(0, len(rows), BATCH):
                await dst.execute(table.insert(), rows[i : i + BATCH])
            copied[table.name] = len(rows)
            if not target.is_sqlite and rows:
                await _advance_sequences(dst, table)
    return copied


async def _count(conn: AsyncConnection, table) -> int:
    return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def _advance_sequences(conn: AsyncConnection, table) -> None:
    """PostgreSQL: rows came with their ids, so a serial column's sequence must start after
    the largest one, or the next insert would collide."""
    for column in table.primary_key.columns:
        if column.autoincrement is True or (
            column.autoincrement == "auto" and column.type.python_type is int
        ):
            seq = (
                await conn.execute(
                    text("SELECT pg_get_serial_sequence(:t, :c)"),
                    {"t": table.name, "c": column.name},
                )
            ).scalar_one()
            if seq:
                await conn.execute(
                    text(f'SELECT setval(:s, (SELECT max("{column.name}") FROM "{table.name}"))'),
                    {"s": seq},
                )
