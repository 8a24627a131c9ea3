"""Contracts with library internals the bot relies on, so a release that changes them fails
here, loudly and by name, instead of somewhere deep in a conversation test.

Each internal is listed in docs/PERFORMANCE.md ("Library internals") with what it buys and why
it is kept. Each is pinned: the exact version in constraints.txt, and in pyproject.toml where a
new release is likely to move it. When one of these tests fails after `make lock` or
`make upgrade`, the message says what changed and what to do.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime
from importlib.metadata import version

import aiosqlite
import pytest
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database, load_models
from bot.db.inline_sqlite import InlineConnection

WHAT_TO_DO = (
    "Read the library's changes for these names, adapt the module named above (or go back to "
    "the public API and measure the cost with `make bench`), and update docs/PERFORMANCE.md, "
    "'Library internals'. Until then keep the version that passed: {name}=={tested} in "
    "constraints.txt (and pyproject.toml)."
)


# The versions these contracts were last checked against, release notes read. A lock that
# moves one of them fails below until someone has looked (and updated this).
VERIFIED = {"aiosqlite": "0.22.1", "SQLAlchemy": "2.1.9", "python-telegram-bot": "22.8"}


def broken(library: str, internal: str, where: str, detail: str) -> str:
    return (
        f"{library} {version(library)} changed an internal that {where} relies on: "
        f"{internal}. {detail}\n" + WHAT_TO_DO.format(name=library, tested=VERIFIED[library])
    )


@pytest.mark.parametrize("library", sorted(VERIFIED))
def test_the_installed_version_is_the_one_these_contracts_were_checked_against(library):
    assert version(library) == VERIFIED[library], (
        f"{library} is {version(library)}, but the internals the bot relies on were checked "
        f"against {VERIFIED[library]}. If the other tests here pass, read {library}'s changes "
        "for the internals listed in docs/PERFORMANCE.md ('Library internals'), then set "
        f"VERIFIED in {__name__.replace('.', '/')}.py to the new version."
    )


# ---- aiosqlite: bot/db/inline_sqlite.py -------------------------------------------------------

_AIOSQLITE_NAMES = ("_tx", "_execute", "_connect", "_running", "_connection", "_conn", "stop")


def test_aiosqlite_connection_still_has_the_internals_inline_sqlite_replaces():
    conn = aiosqlite.Connection(lambda: sqlite3.connect(":memory:"), iter_chunk_size=64)
    missing = [n for n in _AIOSQLITE_NAMES if n not in vars(conn) and not hasattr(type(conn), n)]
    assert not missing, broken(
        "aiosqlite",
        "aiosqlite.Connection." + ", ".join(missing),
        "bot/db/inline_sqlite.py (InlineConnection)",
        "InlineConnection swaps the worker queue `_tx` for one that runs each call at once and "
        "overrides `_execute` and `__await__`.",
    )
    assert hasattr(conn._tx, "put_nowait"), broken(
        "aiosqlite",
        "Connection._tx.put_nowait((future, function))",
        "bot/db/inline_sqlite.py (_RunNow)",
        "The worker queue is no longer fed (future, function) pairs through put_nowait.",
    )


async def test_inline_connection_runs_on_the_loop_thread_and_starts_no_thread():
    threads = threading.active_count()
    try:
        async with asyncio.timeout(10):  # a call handed to a worker that never runs waits
            conn = await InlineConnection(lambda: sqlite3.connect(":memory:"))
    except TimeoutError:
        pytest.fail(
            broken(
                "aiosqlite",
                "Connection._connect / _tx",
                "bot/db/inline_sqlite.py",
                "Opening an InlineConnection waited for a worker thread that is never started.",
            )
        )
    try:
        await conn.create_function("thread_id", 0, threading.get_ident)
        async with conn.execute("SELECT thread_id()") as cursor:
            (ran_on,) = await cursor.fetchone()
        assert ran_on == threading.get_ident(), broken(
            "aiosqlite",
            "Connection._execute / _tx",
            "bot/db/inline_sqlite.py",
            "A statement ran on another thread: the calls no longer go through the methods "
            "InlineConnection replaces.",
        )
        assert threading.active_count() == threads, broken(
            "aiosqlite",
            "Connection.__await__ (starts the worker thread)",
            "bot/db/inline_sqlite.py",
            "Opening an InlineConnection started a thread.",
        )
        assert isinstance(conn.sqlite, sqlite3.Connection), broken(
            "aiosqlite", "Connection._conn", "bot/db/inline_sqlite.py (sqlite)", ""
        )
    finally:
        await conn.close()  # aiosqlite 0.20 raised here: its close waited for the thread
    with pytest.raises(ValueError):
        await conn.execute("SELECT 1")


async def test_sqlalchemy_runs_on_the_inline_connection_and_closes_cleanly(tmp_path):
    """SQLAlchemy's aiosqlite dialect itself puts work on `_tx` (isolation level) and reads
    `_connection`: it must keep working on an InlineConnection."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'contract.db'}")
    try:
        async with asyncio.timeout(10), db.engine.connect() as conn:
            await conn.execution_options(isolation_level="SERIALIZABLE")
            assert (await conn.exec_driver_sql("SELECT 41 + 1")).scalar() == 42
            raw = (await conn.get_raw_connection()).driver_connection
            assert isinstance(raw, InlineConnection), broken(
                "SQLAlchemy",
                "create_async_engine(async_creator=...) / driver_connection",
                "bot/db/__init__.py (_sqlite_engine)",
                "The engine no longer hands out the InlineConnection it was given.",
            )
    finally:
        await db.close()


# ---- SQLAlchemy: bot/core.py (_detached_user) -------------------------------------------------


async def test_the_detached_user_is_what_the_orm_would_have_loaded(tmp_path):
    from bot.core import _detached_user
    from bot.db.conversation import Key, UserRow
    from bot.db.models import User

    load_models()
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'contract.db'}")
    try:
        await db.upgrade()
        now = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        async with db.transaction() as session:
            session.add(
                User(channel="terminal", external_id="1", locale="vi", created_at=now,
                     last_seen_at=now)
            )  # fmt: skip
        async with db.transaction() as session:
            found = (await session.execute(select(User.id))).scalar_one()
        row = UserRow(id=found, locale="vi", created_at=now, last_seen_at=now, officer_id=None)
        try:
            user = _detached_user(Key("terminal", "1", "1"), row, officer_known=True)
            state = inspect(user)
        except (AttributeError, TypeError) as e:
            pytest.fail(
                broken(
                    "SQLAlchemy",
                    "Mapper.class_manager.new_instance, instance_state(...).key",
                    "bot/core.py (_detached_user)",
                    f"Building the user failed: {e!r}.",
                )
            )
        problem = broken(
            "SQLAlchemy",
            "Mapper.class_manager.new_instance, InstanceState.key, the instance __dict__",
            "bot/core.py (_detached_user)",
            "The user built from the row is not what the ORM loads: {}.",
        )
        assert state.detached and state.key == (User, (found,), None), problem.format(
            "not detached with its identity key"
        )
        assert not state.modified and user.officer is None, problem.format(
            "it has changes, or its officer is not loaded as None"
        )
        async with db.transaction() as session:
            assert isinstance(session, AsyncSession)
            session.add(user)  # joins the session as the row it is, not as a new one
            user.locale = "en"
        async with db.transaction() as session:
            saved = (await session.execute(select(User.locale, User.channel))).one()
        assert tuple(saved) == ("en", "terminal"), problem.format(
            "a change to it was not saved as an UPDATE of its row"
        )
    finally:
        await db.close()


# ---- python-telegram-bot: bot/channels/telegram.py (ReplyBot) ---------------------------------


def test_reply_bot_keeps_its_transports_on_the_frozen_bot():
    """PTB freezes a Bot after __init__ but lets attributes starting with "_" be set
    (TelegramObject.__setattr__); ReplyBot keeps its two transports that way."""
    from bot.channels.aiohttp_request import AiohttpRequest
    from bot.channels.telegram import ReplyBot

    replies, polls = AiohttpRequest(1), AiohttpRequest(1)
    try:
        bot = ReplyBot(
            "123:abc",
            base_url="http://127.0.0.1:9/bot",
            base_file_url="http://127.0.0.1:9/file/bot",
            request=replies,
            get_updates_request=polls,
        )
    except AttributeError as e:
        pytest.fail(
            broken(
                "python-telegram-bot",
                "TelegramObject.__setattr__ (attributes starting with '_' stay settable)",
                "bot/channels/telegram.py (ReplyBot.__init__)",
                f"{e}.",
            )
        )
    assert bot.request is replies
