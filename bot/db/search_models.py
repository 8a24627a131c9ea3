"""Tables of the question search: questions no guide answered, for editors to see what to
write next (`trolyso report questions`). Migration: 0004_unanswered_questions.

No user id and no chat id: the text is all that is kept, with obvious personal numbers
(phone, ID card) masked before storing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base

MAX_QUESTION_CHARS = 500


class UnansweredQuestion(Base):
    """A free-text question the bot found no guide for."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(String(MAX_QUESTION_CHARS))
    locale: Mapped[str] = mapped_column(String(8))
    asked_at: Mapped[datetime] = mapped_column(index=True)
