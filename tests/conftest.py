"""Shared fixtures: a config on a throw-away database, a running core, a fake clock, and the
`chat` helper that talks to the core the way a channel does.

Storage-dependent tests take the `db_url` fixture, which runs them on SQLite always and on
PostgreSQL when TEST_DATABASE_URL is set (each test in its own schema, so test runs sharing
one server never meet). Under CI the PostgreSQL server must answer: a test fails, not skips.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import config as config_mod
from bot.clock import FakeClock
from bot.core import Core
from bot.db import Database
from tests.chat import Chat

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def pytest_sessionstart(session) -> None:
    if os.environ.get("CI") and not PG_URL:
        raise pytest.UsageError("CI must test PostgreSQL too: set TEST_DATABASE_URL")


def _backends() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    if PG_URL:
        params.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql))
    return params


@pytest.fixture(params=_backends())
async def db_url(request, tmp_path) -> AsyncIterator[str]:
    """A database URL for one test: an SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = Database(PG_URL)
    try:
        async with admin.engine.begin() as conn:
            await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except Exception as e:  # under CI an unreachable server is a failure, never a skip
        await admin.close()
        pytest.fail(f"PostgreSQL at TEST_DATABASE_URL is not reachable: {e}")
    request.node.pg_schema = schema
    try:
        yield PG_URL + ("&" if "?" in PG_URL else "?") + f"trolyso_schema={schema}"
    finally:
        async with admin.engine.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


@pytest.fixture
def clock() -> FakeClock:
    # 09:00 in Hanoi on a Saturday.
    return FakeClock(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))


@pytest.fixture
def config(db_url, tmp_path) -> config_mod.Config:
    cfg = config_mod.load(ROOT / "config.toml", environ={})
    return cfg.replace(database__url=db_url)


@pytest.fixture
async def core(config, clock) -> AsyncIterator[Core]:
    core = await Core.start(config, clock=clock)
    try:
        yield core
    finally:
        await core.close()


@pytest.fixture
def chat(core) -> Chat:
    return Chat(core)
