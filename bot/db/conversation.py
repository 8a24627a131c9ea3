"""The rows every message reads and writes around its handler, in as few statements as possible:
the sender's user row (with whether they are an officer) and their conversation state.

This is the hot path of the bot (docs/PERFORMANCE.md), so it bypasses the ORM: plain SQL built
once, plain tuples back. Two stores keep the same contract:

- `SqliteStore` runs its statements directly on the sqlite3 connection under the message's
  connection (part of its transaction): one joined SELECT finds user, officer and state.
- `SqlStore` runs them through SQLAlchemy (PostgreSQL). It first locks the state row
  (`SELECT … FOR UPDATE`: two processes serving the same chat take turns), then reads the user;
  `FOR UPDATE` cannot lock the nullable side of an outer join, so these are two statements.

Values are converted by the same SQLAlchemy column types the ORM uses, so both paths store
exactly what the models would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import JSON, Integer, String, bindparam, column, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.models import UTCDateTime


class Key(NamedTuple):
    channel: str
    chat_id: str
    user_id: str


class UserRow(NamedTuple):
    id: int
    locale: str | None
    created_at: datetime
    last_seen_at: datetime
    # The officer row's id when this person is an officer (bot/db/officer_models.py).
    officer_id: int | None


class StateRow(NamedTuple):
    name: str
    data: dict[str, Any]
    offered: list[str]
    updated_at: datetime


_USER_COLUMNS = "u.id, u.locale, u.created_at, u.last_seen_at, o.id"
# The officer row of the account's person rides along on the user's unique index: menus (which
# cannot await) need to know whether to show the officer entry.
_USER_FROM = "users AS u LEFT JOIN officers AS o ON o.person_id = u.person_id"
_USER_WHERE = "u.channel = :channel AND u.external_id = :user"
_STATE_COLUMNS = "name, data, offered, updated_at"
_STATE_WHERE = "channel = :channel AND chat_id = :chat AND user_id = :user"

USER_AND_STATE = (
    f"SELECT {_USER_COLUMNS}, s.name, s.data, s.offered, s.updated_at FROM {_USER_FROM} "
    "LEFT JOIN conversation_state AS s "
    "ON s.channel = u.channel AND s.chat_id = :chat AND s.user_id = u.external_id "
    f"WHERE {_USER_WHERE}"
)
USER = f"SELECT {_USER_COLUMNS} FROM {_USER_FROM} WHERE {_USER_WHERE}"
STATE = f"SELECT {_STATE_COLUMNS} FROM conversation_state WHERE {_STATE_WHERE}"
ADD_USER = (
    "INSERT INTO users (channel, external_id, locale, created_at, last_seen_at) "
    "VALUES (:channel, :user, NULL, :now, :now) "
    "ON CONFLICT (channel, external_id) DO NOTHING RETURNING id"
)
USER_ID = "SELECT id FROM users WHERE channel = :channel AND external_id = :user"
UPDATE_USER = "UPDATE users SET locale = :locale, last_seen_at = :seen WHERE id = :id"
SAVE_STATE = (
    "INSERT INTO conversation_state (channel, chat_id, user_id, name, data, offered, "
    "updated_at) VALUES (:channel, :chat, :user, :name, :data, :offered, :now) "
    "ON CONFLICT (channel, chat_id, user_id) DO UPDATE SET name = excluded.name, "
    "data = excluded.data, offered = excluded.offered, updated_at = excluded.updated_at"
)


def _params(key: Key) -> dict[str, str]:
    return {"channel": key.channel, "chat": key.chat_id, "user": key.user_id}


def _same(value: Any) -> Any:
    return value


def _utc_from_text(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _time_reader(dialect: Dialect, stored: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """How to read a stored time: SQLAlchemy's own reader, or `datetime.fromisoformat` (a few
    times faster) when it reads SQLAlchemy's stored form to exactly the same value."""
    processed = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None) or _same
    sample = stored(datetime(2026, 11, 28, 2, 3, 4, 567890, tzinfo=UTC))
    try:
        fast_ok = isinstance(sample, str) and _utc_from_text(sample) == processed(sample)
    except ValueError:
        fast_ok = False
    return _utc_from_text if fast_ok else processed


class SqliteStore:
    """Statements run synchronously on the sqlite3 connection (they take microseconds)."""

    def __init__(self, dialect: Dialect, sqlite_of):
        self._sqlite_of = sqlite_of
        json_type = JSON().dialect_impl(dialect)
        self._time_in = UTCDateTime().dialect_impl(dialect).bind_processor(dialect) or _same
        self._time = _time_reader(dialect, self._time_in)
        self._json_in = json_type.bind_processor(dialect) or _same
        self._json_out = json_type.result_processor(dialect, None) or _same

    def _state(self, name, data, offered, updated_at) -> StateRow:
        return StateRow(
            name or "",
            self._json_out(data) or {},
            self._json_out(offered) or [],
            self._time(updated_at),
        )

    async def load(
        self, conn: AsyncConnection, key: Key
    ) -> tuple[UserRow | None, StateRow | None]:
        db = self._sqlite_of(conn)
        row = db.execute(USER_AND_STATE, _params(key)).fetchone()
        if row is None:  # a new user; a state row may still exist (made before, by tests)
            found = db.execute(STATE, _params(key)).fetchone()
            return None, self._state(*found) if found else None
        user = UserRow(row[0], row[1], self._time(row[2]), self._time(row[3]), row[4])
        state = self._state(*row[5:]) if row[8] is not None else None
        return user, state

    async def add_user(self, conn: AsyncConnection, key: Key, now: datetime) -> UserRow:
        db = self._sqlite_of(conn)
        params = {"channel": key.channel, "user": key.user_id, "now": self._time_in(now)}
        rows = db.execute(ADD_USER, params).fetchall()
        if not rows:  # created a moment ago by another process
            rows = db.execute(USER_ID, params).fetchall()
        return UserRow(rows[0][0], None, now, now, None)

    async def update_user(
        self, conn: AsyncConnection, user_id: int, locale: str | None, last_seen_at: datetime
    ) -> None:
        self._sqlite_of(conn).execute(
            UPDATE_USER, {"id": user_id, "locale": locale, "seen": self._time_in(last_seen_at)}
        )

    async def save_state(self, conn: AsyncConnection, key: Key, state: StateRow) -> None:
        self._sqlite_of(conn).execute(
            SAVE_STATE,
            {
                **_params(key),
                "name": state.name,
                "data": self._json_in(state.data),
                "offered": self._json_in(state.offered),
                "now": self._time_in(state.updated_at),
            },
        )


_USER_TYPES = (
    column("id", Integer),
    column("locale", String),
    column("created_at", UTCDateTime()),
    column("last_seen_at", UTCDateTime()),
    column("officer_id", Integer),
)
_STATE_TYPES = (
    column("name", String),
    column("data", JSON),
    column("offered", JSON),
    column("updated_at", UTCDateTime()),
)


class SqlStore:
    """The same statements through SQLAlchemy, with the state row locked (PostgreSQL)."""

    _state = text(STATE + " FOR UPDATE").columns(*_STATE_TYPES)
    _user = text(USER).columns(*_USER_TYPES)
    _add_user = text(ADD_USER).bindparams(bindparam("now", type_=UTCDateTime()))
    _user_id = text(USER_ID)
    _update_user = text(UPDATE_USER).bindparams(bindparam("seen", type_=UTCDateTime()))
    _save_state = text(SAVE_STATE).bindparams(
        bindparam("data", type_=JSON),
        bindparam("offered", type_=JSON),
        bindparam("now", type_=UTCDateTime()),
    )

    async def load(
        self, conn: AsyncConnection, key: Key
    ) -> tuple[UserRow | None, StateRow | None]:
        # The lock first: what we read after it is what the process before us committed.
        found = (await conn.execute(self._state, _params(key))).first()
        state = (
            StateRow(found[0] or "", found[1] or {}, found[2] or [], found[3]) if found else None
        )
        row = (await conn.execute(self._user, _params(key))).first()
        return (UserRow(*row) if row else None), state

    async def add_user(self, conn: AsyncConnection, key: Key, now: datetime) -> UserRow:
        params = {"channel": key.channel, "user": key.user_id, "now": now}
        user_id = (await conn.execute(self._add_user, params)).scalar()
        if user_id is None:  # created a moment ago by another process
            user_id = (await conn.execute(self._user_id, params)).scalar_one()
        return UserRow(user_id, None, now, now, None)

    async def update_user(
        self, conn: AsyncConnection, user_id: int, locale: str | None, last_seen_at: datetime
    ) -> None:
        await conn.execute(
            self._update_user, {"id": user_id, "locale": locale, "seen": last_seen_at}
        )

    async def save_state(self, conn: AsyncConnection, key: Key, state: StateRow) -> None:
        await conn.execute(
            self._save_state,
            {
                **_params(key),
                "name": state.name,
                "data": state.data,
                "offered": state.offered,
                "now": state.updated_at,
            },
        )
