"""Tables of the guides feature: where each reader is in a guide, their feedback, and the
views/starts/completions the guides report counts. Migration: 0002_guides."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base


class GuideProgress(Base):
    """The step a user last saw in a guide they have not finished; kept past idle expiry so
    they can continue days later. Deleted when they reach the end."""

    __tablename__ = "guide_progress"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    guide_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    locale: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    step_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class GuideFeedback(Base):
    """ "Did this help?" for one guide version and language, with an optional comment."""

    __tablename__ = "guide_feedback"
    __table_args__ = (Index("ix_guide_feedback_guide", "guide_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Kept with the user so their feedback goes when they ask for their data to be deleted.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    guide_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(8))
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]


class GuideEvent(Base):
    """One view (summary shown), start (step 1 shown) or completion (end reached), without
    who: counts for the report, nothing about a person."""

    __tablename__ = "guide_events"
    __table_args__ = (Index("ix_guide_events_guide", "guide_id", "version", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    guide_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))  # "view", "start" or "complete"
    at: Mapped[datetime]
