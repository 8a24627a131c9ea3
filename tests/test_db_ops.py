"""`trolyso db backup PATH` (SQLite online backup, WAL included) and `trolyso db copy --to URL`
(every table into an empty database; SQLite → PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from bot import app
from bot.cli import main
from bot.db import Database, load_models
from bot.types import Incoming
from tests.conftest import PG_URL, ROOT


def write_config(tmp_path, url: str):
    path = tmp_path / "config.toml"
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('content = "content"', f'content = "{ROOT / "content"}"')
    text = text.replace('locales = "locales"', f'locales = "{ROOT / "locales"}"')
    text = text.replace('url = "sqlite+aiosqlite:///var/trolyso.db"', f'url = "{url}"')
    path.write_text(text, encoding="utf-8")
    return path


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_backup_is_consistent_and_includes_what_is_still_in_the_wal(tmp_path, capsys):
    source = tmp_path / "bot.db"
    cfg = write_config(tmp_path, f"sqlite+aiosqlite:///{source}")
    writer = sqlite3.connect(source)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")  # keep the rows in the -wal file
        writer.execute("CREATE TABLE notes (body TEXT)")
        writer.executemany("INSERT INTO notes VALUES (?)", [(f"n{i}",) for i in range(50)])
        writer.commit()
        wal = tmp_path / "bot.db-wal"
        assert wal.exists() and wal.stat().st_size > 0, "the rows live only in the WAL"
        out = tmp_path / "backups" / "bot-2026-12-07.db"
        out.parent.mkdir()
        assert main(["--config", str(cfg), "db", "backup", str(out)]) == 0
    finally:
        writer.close()
    copy = sqlite3.connect(out)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM notes").fetchone() == (50,)
    finally:
        copy.close()
    assert not (out.parent / (out.name + "-wal")).exists()
    # A second backup to the same name would overwrite it: refused, one line, exit 2.
    capsys.readouterr()
    assert main(["--config", str(cfg), "db", "backup", str(out)]) == 2
    assert "already exists" in one_line(capsys)


def test_backup_of_postgresql_points_to_pg_dump(tmp_path, capsys):
    cfg = write_config(tmp_path, "postgresql+asyncpg://nobody@127.0.0.1:1/none")
    assert main(["--config", str(cfg), "db", "backup", str(tmp_path / "x.db")]) == 2
    assert "pg_dump" in one_line(capsys)


TARGETS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=TARGETS)
async def target_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'target.db'}"
        return
    schema = "t_" + uuid.uuid4().hex[:12]  # a fresh schema, as tests/conftest.py makes them
    admin = Database(PG_URL)
    async with admin.engine.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield PG_URL + ("&" if "?" in PG_URL else "?") + f"trolyso_schema={schema}"
    finally:
        async with admin.engine.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


async def counts(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return {
                t.name: (await conn.execute(select(func.count()).select_from(t))).scalar_one()
                for t in load_models().sorted_tables
            }
    finally:
        await db.close()


async def use_the_bot(config_path, chats: int) -> None:
    from bot import config as config_mod

    core = await app.start(config_mod.load(config_path, environ={}))
    try:
        for n in range(chats):
            who = f"person{n}"
            for i, text in enumerate(("/start", "/menu", "làm căn cước")):
                await core.handle(Incoming("terminal", who, who, text=text, update_id=f"{n}{i}"))
    finally:
        await core.close()


async def test_copy_moves_every_row_and_refuses_a_filled_target(tmp_path, target_url, capsys):
    source = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    cfg = write_config(tmp_path, source)
    await use_the_bot(cfg, chats=3)
    before = await counts(source)
    assert before["users"] == 3, before

    code = await _main(["--config", str(cfg), "db", "copy", "--to", target_url])
    assert code == 0, capsys.readouterr().err
    assert await counts(target_url) == before
    assert f"copied {sum(before.values())} rows" in capsys.readouterr().out

    # Copying again would mix two databases: refused, one line, exit 2, nothing changed.
    assert await _main(["--config", str(cfg), "db", "copy", "--to", target_url]) == 2
    assert "not empty" in one_line(capsys)
    assert await counts(target_url) == before

    # The bot runs on the copy and adds rows after the copied ones (sequences moved on).
    (tmp_path / "moved").mkdir()
    moved = write_config(tmp_path / "moved", target_url)
    await use_the_bot(moved, chats=5)
    assert (await counts(target_url))["users"] == 5


async def _main(argv: list[str]) -> int:
    """`main` runs its own event loop (asyncio.run): call it from a thread."""
    import asyncio

    return await asyncio.to_thread(main, argv)
