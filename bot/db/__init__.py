"""Storage: the async engine, sessions, and schema upgrades at start.

SQLite is the embedded default (WAL mode, one connection per process so writes never fight);
PostgreSQL is the shared store for several processes. The same code runs on both.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.errors import SchemaError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


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
        path.parent.mkdir(parents=True, exist_ok=True)
        u = u.set(database=str(path))
    return u.render_as_string(hide_password=False)


class Database:
    def __init__(self, url: str, schema: str | None = None):
        """`schema` (PostgreSQL only) puts every table in that schema, so several test runs
        can share one server without meeting."""
        u = make_url(url)
        if "trolyso_schema" in u.query:
            schema = u.query["trolyso_schema"]
            u = u.difference_update_query(["trolyso_schema"])
            url = u.render_as_string(hide_password=False)
        self.url = url
        self.dialect = u.get_backend_name()
        if self.is_sqlite:
            self.engine: AsyncEngine = create_async_engine(
                url, pool_size=1, max_overflow=0, pool_timeout=60
            )
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            connect_args = {"server_settings": {"search_path": schema}} if schema else {}
            self.engine = create_async_engine(url, pool_size=10, max_overflow=20,
                                              pool_pre_ping=True, connect_args=connect_args)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One session in one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def upgrade(self) -> None:
        """Apply Alembic migrations up to head; refuse a schema newer than this code."""
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade_sync)

    async def current_revision(self) -> str | None:
        async with self.engine.connect() as conn:
            return await conn.run_sync(_current_revision_sync)

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
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


def _upgrade_sync(connection) -> None:
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

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
        log.info("upgrading database schema from %s to %s", sorted(current) or "empty",
                 sorted(heads))
        command.upgrade(cfg, "heads")
