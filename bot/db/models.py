"""Database tables. Every schema change also gets an Alembic migration in bot/migrations;
tests/test_storage.py proves the two agree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which forgets the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored")
        # SQLite keeps only the wall-clock digits: store UTC so they read back right.
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}
    # Every model is mapped to a plain table (SQLAlchemy types it as any FromClause), so
    # statements can be built on `Model.__table__` directly.
    __table__: ClassVar[Table]


class Person(Base):
    """Someone who may reach us through several channels (a messenger account each, later the
    web): officer grants attach here, not to one account. Citizens need no row; an officer's
    accounts are linked to theirs (bot/officers/linking.py). Holds no name or phone number."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime]


class User(Base):
    """A person as one messenger knows them: a channel name and the channel's id for them,
    both strings (ids of some messengers do not fit a 64-bit integer). Holds no name or phone
    number. `person_id` links the account to a person (officers' accounts)."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_users_channel_external"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    # No ON DELETE action: people are never deleted, and SQLite cannot add one to this table
    # without rebuilding it (bot/migrations/versions/0009_people.py).
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id"), index=True, default=None
    )
    # The language the user chose; None until they choose (then the messenger's hint applies).
    locale: Mapped[str | None] = mapped_column(String(8), default=None)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class ConversationState(Base):
    """Where one user is in a dialog, per (channel, chat, user); survives restarts."""

    __tablename__ = "conversation_state"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Button payloads the bot last offered this user; a pressed payload must be among them.
    offered: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime]
