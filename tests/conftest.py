"""Shared fixtures: a config on a throw-away database, a running core, a fake clock, and the
`chat` helper that talks to the core the way a channel does.

Every test that needs a database runs on SQLite. Storage-dependent tests — those that take
the `db_url` fixture themselves, or are marked `both_databases` — also run on PostgreSQL when
TEST_DATABASE_URL is set (each test in its own schema, so test runs sharing one server never
meet). Under CI the PostgreSQL server must answer: a test fails, not skips.

SQLite test databases are copies of one database migrated once per run, so a test pays for a
file copy instead of the migrations (tests/test_storage.py runs the migrations themselves).
"""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import app
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


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "both_databases: run on SQLite and on PostgreSQL")
    config.addinivalue_line("markers", "postgresql: the PostgreSQL run of a storage test")


def pytest_generate_tests(metafunc) -> None:
    if "db_url" not in metafunc.fixturenames:
        return
    params = [pytest.param("sqlite", id="sqlite")]
    own_args = inspect.signature(metafunc.function).parameters
    wants_both = "db_url" in own_args or metafunc.definition.get_closest_marker("both_databases")
    if PG_URL and wants_both:
        params.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql))
    metafunc.parametrize("db_url", params, indirect=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "migrated.db"

    async def migrate() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await db.upgrade()
        finally:
            await db.close()

    asyncio.run(migrate())
    return path


@pytest.fixture
async def db_url(request, tmp_path, sqlite_template) -> AsyncIterator[str]:
    """A database URL for one test: a migrated SQLite file, or a fresh PostgreSQL schema.
    Tests that take `db_url` themselves get an empty SQLite file, to migrate as they like."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        if "db_url" not in inspect.signature(request.function).parameters:
            shutil.copyfile(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
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


@pytest.fixture(autouse=True)
def lexical_bot_search(monkeypatch) -> None:
    """The bot under test builds its search index without the dense retriever (the fallback
    it runs on when the model is missing): embedding the real catalogue takes minutes on a
    fresh clone (1,429 passages), and a bot that turned hybrid halfway through a test run,
    when the background embedding finished, would answer differently from one test to the
    next. The dense retriever is tested in tests/test_search_dense.py on a small catalogue;
    `make eval` measures it on the real one."""
    from functools import partial

    import handlers.questions
    from bot.search.build import build

    monkeypatch.setattr(
        handlers.questions, "build_in_background", partial(build, with_dense=False)
    )


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
    core = await app.start(config, clock=clock)
    try:
        yield core
    finally:
        await core.close()


@pytest.fixture
def chat(core) -> Chat:
    return Chat(core)
