"""Tables of the officers' web pages: one-time login links and browser sessions.
Migration: 0009_web.

Both hold only the SHA-256 of their secret (the link's token, the session cookie), so a copy
of the database lets nobody log in. Both belong to the chat account (users.id) the officer
asked from; whether that account may still use the pages is checked again on every request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base


class WebLoginLink(Base):
    """A link the bot sent an officer: valid until `expires_at`, used at most once."""

    __tablename__ = "web_login_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(String(8))  # the chat's language: the pages speak it
    chat_id: Mapped[str] = mapped_column(String(64))  # where it was asked: reports go there
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class WebSession(Base):
    """A logged-in browser. `csrf` is the token every form of this session must carry;
    `ended_at` is set by logging out (here or everywhere)."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    # The chat the link was asked from: a broadcast sent from the pages reports there too.
    chat_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
