""" "Ask a person" tables: a citizen's question to the officers of one commune or ward, its
messages both ways, the guide suggestions officers make from questions, and when each
officer account may next be told about new questions. Migration: 0010_handoff.

A question and its messages are the citizen's data (bot/handoff/privacy.py registers them
with /privacy); a suggestion keeps only the question's text, masked and without who asked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base

OPEN, CLOSED = "open", "closed"
CITIZEN, OFFICER = "citizen", "officer"


class HandoffQuestion(Base):
    """One question, open until the citizen or an officer closes it. `channel`, `chat_id` and
    `locale` say where and how the officers' answers reach the citizen."""

    __tablename__ = "handoff_questions"
    __table_args__ = (Index("ix_handoff_questions_unit_status", "unit_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    # The officer (a person) who took it; others see it is taken.
    taken_by: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), default=None
    )
    taken_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    first_answer_at: Mapped[datetime | None] = mapped_column(default=None)
    last_message_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    closed_by: Mapped[str | None] = mapped_column(String(16), default=None)  # citizen | officer
    # 0: the unit's officers were told; 1: told again after escalate_after_hours; 2: admins.
    escalation: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[int | None] = mapped_column(Integer, default=None)  # 1..5
    suggested: Mapped[bool] = mapped_column(Boolean, default=False)


class HandoffMessage(Base):
    """One message of a question's conversation, from the citizen or an officer."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("handoff_questions.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(16))  # citizen | officer
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), default=None
    )
    text: Mapped[str] = mapped_column(Text)  # "" for a photo sent without words
    # A photo the citizen sent: the channel's id of it (the question's channel), never the
    # bytes; an officer of that channel gets it passed on, the officer pages show it. Migration:
    # 0013_handoff_photo.
    photo_id: Mapped[str | None] = mapped_column(String(256), default=None)
    created_at: Mapped[datetime]


class GuideSuggestion(Base):
    """An officer's "this should be a guide": the question's first message, masked, with no
    link to who asked (kept like unanswered search questions). `trolyso report
    handoff-suggestions` lists them."""

    __tablename__ = "handoff_suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_id: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(index=True)


class HandoffNotice(Base):
    """When an officer account may next be told about new questions (at most one
    announcement per `handoff.announce_every_minutes`)."""

    __tablename__ = "handoff_notices"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    next_at: Mapped[datetime]
