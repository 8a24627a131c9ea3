"""Storage: the async engine, connections and sessions in one transaction, schema upgrades.

SQLite is the embedded default (WAL mode). All of a process's own work goes through one
connection, one transaction at a time, so its writes never fight; its statements run on the
event loop's thread (bot/db/inline_sqlite.py). PostgreSQL is the shared store for several
processes, with a connection pool. The same code runs on both.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, Result, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from bot.db.inline_sqlite import InlineConnection
from bot.errors import DatabaseUnavailable, SchemaError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# How long a statement waits for a write lock held by another process (a CLI command, say)
# before it fails. The event loop waits with it (bot/db/inline_sqlite.py), so it is short; the
# bot's own transactions take a fraction of a millisecond.
SQLITE_BUSY_TIMEOUT_MS = 1000
# Processes that start together take turns on the migrations (PostgreSQL advisory lock): the
# second waits, then finds nothing to do. Any fixed number; this one spells "trolyso".
MIGRATION_LOCK = 0x7472_6F6C_7973_6F


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed. SQLAlchemy returns a `CursorResult` for
    them, but types `execute` as returning `Result`, which has no `rowcount`."""
    return cast(CursorResult[Any], result).rowcount


def load_models():
    """Import every table module (bot/db/models.py and each feature's bot/db/*_models.py) and
    return the metadata they share."""
    import importlib
    import pkgutil

    from bot.db import models

    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.endswith("_models"):
            importlib.import_module(f"bot.db.{info.name}")
    return models.Base.metadata


def resolve_url(url: str, base_dir: Path) -> str:
    """Relative SQLite paths are taken from the config file's folder; the folder is created."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        path = Path(u.database)
        if not path.is_absolute():
            path = base_dir / path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DatabaseUnavailable(
                f"database.url: cannot make the folder {path.parent}: {e.strerror}"
            ) from None
        u = u.set(database=str(path))
    return u.render_as_string(hide_password=False)


class Database:
    def __init__(self, url: str, schema: str | None = None):
        """`schema` (PostgreSQL only) puts every table in that schema, so several test runs
        can share one server without meeting."""
        u = make_url(url)
        if "trolyso_schema" in u.query:
            given = u.query["trolyso_schema"]
            schema = given if isinstance(given, str) else given[-1]  # given twice: the last
            u = u.difference_update_query(["trolyso_schema"])
            url = u.render_as_string(hide_password=False)
        self.url = url
        self.dialect = u.get_backend_name()
        if self.is_sqlite:
            self.engine: AsyncEngine = self._sqlite_engine(url)
        else:
            connect_args = {"server_settings": {"search_path": schema}} if schema else {}
            self.engine = create_async_engine(
                url,
                pool_size=10,
                max_overflow=20,
                pool_pre_ping=True,
                connect_args=connect_args,
                hide_parameters=True,  # a failed statement's values are people's data
            )
        # SQLite: the connection all transactions of this process take turns on.
        self._shared: AsyncConnection | None = None
        self._turn = asyncio.Lock()
        self._turn_holder: asyncio.Task | None = None
        self._checkpointer: asyncio.Task | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @staticmethod
    def _sqlite_engine(url: str) -> AsyncEngine:
        # The shared connection is one of the pool's; the overflow serves code that opens its
        # own (schema upgrades, tests reading behind the bot's back).
        async def connect() -> InlineConnection:
            (database,), kwargs = engine.dialect.create_connect_args(make_url(url))
            return await InlineConnection(lambda: sqlite3.connect(database, **kwargs))

        engine = create_async_engine(
            url,
            pool_size=1,
            max_overflow=2,
            pool_timeout=60,
            async_creator=connect,
            hide_parameters=True,  # a failed statement's values are people's data
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine

    @staticmethod
    def sqlite_of(conn: AsyncConnection) -> sqlite3.Connection:
        """The sqlite3 connection under `conn` (SQLite only), to run statements on directly;
        they are part of `conn`'s transaction."""
        driver = _sync(conn).connection.driver_connection
        assert isinstance(driver, InlineConnection)  # what _sqlite_engine connects with
        return driver.sqlite

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction: committed when the block ends, rolled back when it
        raises. On SQLite, every caller takes its turn on the one shared connection."""
        if not self.is_sqlite:
            async with self.engine.connect() as conn, conn.begin():
                yield conn
            return
        task = asyncio.current_task()
        if task is not None and task is self._turn_holder:
            raise RuntimeError(
                "a transaction inside a transaction of the same task would "
                "wait for itself for ever; use the session you were given"
            )
        async with self._turn:
            self._turn_holder = task
            try:
                if self._shared is None:
                    self._shared = await self.engine.connect()
                    self._checkpointer = asyncio.create_task(
                        _checkpoints(self.sqlite_of(self._shared)), name="sqlite checkpoints"
                    )
                conn = self._shared
                db = self.sqlite_of(conn)
                _begin(db)
                try:
                    yield conn
                except BaseException:
                    await _end(conn, db, commit=False)
                    raise
                await _end(conn, db, commit=True)
            finally:
                self._turn_holder = None

    @staticmethod
    def session_on(conn: AsyncConnection) -> AsyncSession:
        """An ORM session inside `conn`'s transaction: it never commits it, a rollback rolls
        it back (and the owner of `conn` commits or rolls back at the end)."""
        if not conn.in_transaction():
            # SQLite: `connection` began the transaction in the driver only. Tell SQLAlchemy
            # (its begin does no I/O on SQLite), so the session joins it instead of owning
            # one of its own, which it would roll back when it closes.
            _sync(conn).begin()
        return AsyncSession(
            bind=conn, expire_on_commit=False, join_transaction_mode="rollback_only"
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One session in one transaction: committed on success, rolled back on error."""
        async with self.connection() as conn:
            session = self.session_on(conn)
            try:
                yield session
                await session.flush()
            finally:
                await session.close()

    async def upgrade(self) -> None:
        """Apply Alembic migrations up to head; refuse a schema newer than this code.
        A database that cannot be reached or opened is `DatabaseUnavailable`, in one line."""
        try:
            async with self.engine.begin() as conn:
                await conn.run_sync(_upgrade_sync)
        except SchemaError:
            raise
        except Exception as e:
            if not _unavailable(e):
                raise
            raise DatabaseUnavailable(
                f"database.url: cannot open {make_url(self.url).render_as_string()}: "
                f"{_one_line(e)}"
            ) from None

    async def current_revision(self) -> str | None:
        async with self.engine.connect() as conn:
            return await conn.run_sync(_current_revision_sync)

    async def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpointer
            self._checkpointer = None
        if self._shared is not None:
            shared, self._shared = self._shared, None
            await shared.close()
        await self.engine.dispose()


def _sync(conn: AsyncConnection) -> Connection:
    """The SQLAlchemy connection under `conn` (there once `conn` is open)."""
    sync = conn.sync_connection
    assert sync is not None, "the connection is not open"
    return sync


# One transaction on the shared SQLite connection is begun and ended in the driver: SQLAlchemy's
# own begin and commit cost a round of greenlet switches each, about a third of a message's time
# in the core (docs/PERFORMANCE.md), and most messages never use SQLAlchemy at all
# (bot/db/conversation.py). When something did (a session, an SQLAlchemy statement), SQLAlchemy
# has a transaction open on the connection and ends it itself: the driver's transaction is the
# same one either way.


def _begin(db: sqlite3.Connection) -> None:
    if db.in_transaction:  # never expected: every turn ends its transaction
        log.error("the SQLite connection was still in a transaction; rolling it back")
        db.rollback()
    # Python's sqlite3 would begin only at the first write; beginning now makes the reads part
    # of the transaction too.
    db.execute("BEGIN")


async def _end(conn: AsyncConnection, db: sqlite3.Connection, *, commit: bool) -> None:
    try:
        if conn.in_transaction():
            await (conn.commit() if commit else conn.rollback())
        elif commit:
            db.commit()
    finally:
        if db.in_transaction:  # a failed commit, or a rollback
            if conn.in_transaction():
                await conn.rollback()
            db.rollback()


# Every handled update writes (its inbox row), so the WAL fills steadily. SQLite would copy it
# back into the database (a checkpoint, with an fsync) inside whichever commit crossed the
# threshold — on the event loop's thread, a stall of tens of milliseconds every second or so.
# Instead no connection checkpoints on commit, and the shared connection's task runs a
# PASSIVE checkpoint (it never blocks writers) on its own connection in a worker thread.
CHECKPOINT_EVERY_SECONDS = 1.0


async def _checkpoints(shared: sqlite3.Connection) -> None:
    path = shared.execute("PRAGMA database_list").fetchone()[2]
    if not path:
        return  # in memory: no WAL
    while True:
        await asyncio.sleep(CHECKPOINT_EVERY_SECONDS)
        # Cancelled while it runs, the thread finishes on its own: it shares nothing.
        await asyncio.to_thread(_checkpoint, path)


def _checkpoint(path: str) -> None:
    """One PASSIVE checkpoint on a connection of its own (opened read-write, never created:
    the database may have been removed meanwhile)."""
    try:
        own = sqlite3.connect(
            f"{Path(path).as_uri()}?mode=rw", uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000
        )
    except sqlite3.Error:
        return
    try:
        own.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except sqlite3.Error as e:
        log.debug("WAL checkpoint skipped: %s", e)
    finally:
        own.close()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def alembic_config(connection=None):
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _current_revision_sync(connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    heads = MigrationContext.configure(connection).get_current_heads()
    return ", ".join(sorted(heads)) or None


def _unavailable(error: BaseException) -> bool:
    """The database is not there (refused, unknown host, no such database, wrong password,
    not a database file), as opposed to a bug in a migration."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(error, OSError | TimeoutError | OperationalError | sqlite3.DatabaseError):
        return True
    if isinstance(error, DBAPIError) and isinstance(error.orig, sqlite3.DatabaseError):
        return True
    # A server that answers but refuses us (no such database, authentication, too many
    # connections): an error while connecting, before any statement.
    return isinstance(error, DBAPIError) and error.statement is None


def _one_line(error: BaseException) -> str:
    orig = getattr(error, "orig", None) or error
    text = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {text[0]}" if text else type(orig).__name__


def _upgrade_sync(connection) -> None:
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    if connection.dialect.name == "postgresql":
        # Held until this transaction ends; what is read below is after the other's commit.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    cfg = alembic_config(connection)
    script = ScriptDirectory.from_config(cfg)
    current = set(MigrationContext.configure(connection).get_current_heads())
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = current - known
    if unknown:
        raise SchemaError(
            f"database schema is at revision {', '.join(sorted(unknown))}, which this version "
            "of Trợ lý số does not know (it is newer); upgrade the program or use another "
            "database"
        )
    heads = set(script.get_heads())
    if current != heads:
        log.info(
            "upgrading database schema from %s to %s", sorted(current) or "empty", sorted(heads)
        )
        command.upgrade(cfg, "heads")
