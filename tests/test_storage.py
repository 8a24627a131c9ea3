"""Storage: migrations build exactly the tables the models describe, on SQLite and PostgreSQL,
and the program refuses a schema newer than itself."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from bot.db import Database, load_models
from bot.errors import SchemaError


async def test_migrations_and_models_agree(db_url):
    db = Database(db_url)
    try:
        await db.upgrade()
        metadata = load_models()

        def diff(conn):
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(ctx, metadata)

        async with db.engine.connect() as conn:
            assert await conn.run_sync(diff) == []
    finally:
        await db.close()


async def test_upgrade_twice_is_a_no_op(db_url):
    db = Database(db_url)
    try:
        await db.upgrade()
        first = await db.current_revision()
        await db.upgrade()
        assert await db.current_revision() == first
    finally:
        await db.close()


async def test_refuses_a_schema_newer_than_the_code(db_url):
    db = Database(db_url)
    try:
        await db.upgrade()
        async with db.engine.begin() as conn:
            await conn.exec_driver_sql("DELETE FROM alembic_version")
            await conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('ffff_future')")
        with pytest.raises(SchemaError, match="newer"):
            await db.upgrade()
    finally:
        await db.close()


async def test_sqlite_runs_in_wal_mode(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    try:
        async with db.engine.connect() as conn:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
        assert mode == "wal"
    finally:
        await db.close()


async def test_times_in_any_zone_read_back_as_the_same_instant(db_url):
    from datetime import UTC, datetime, timedelta, timezone

    from bot.db.models import User

    db = Database(db_url)
    try:
        await db.upgrade()
        hanoi_five_pm = datetime(2026, 12, 1, 17, 0, tzinfo=timezone(timedelta(hours=7)))
        async with db.transaction() as session:
            session.add(
                User(
                    channel="t",
                    external_id="1",
                    created_at=hanoi_five_pm,
                    last_seen_at=hanoi_five_pm,
                )
            )
        async with db.transaction() as session:
            user = (await session.execute(select(User))).scalar_one()
        assert user.created_at == hanoi_five_pm
        assert user.created_at.astimezone(UTC).hour == 10
    finally:
        await db.close()
