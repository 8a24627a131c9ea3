"""Officer tables: who is an officer or admin, which units (communes/wards) each officer
serves, and the audit log of every officer action. Migration: 0005_officers.

The audit log holds ids and codes only (a booking id, a session id, a unit id), never a
citizen's name or phone number; bot/officers/audit.py refuses values that look like one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from bot.db.models import Base, User

ROLES = ("admin", "officer")


class Officer(Base):
    """A messenger account with officer rights. An admin may act for every unit; an officer
    only for the units listed in `officer_units`."""

    __tablename__ = "officers"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_officers_channel_external"),
        CheckConstraint("role IN ('admin', 'officer')", name="ck_officers_role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    units: Mapped[list[OfficerUnit]] = relationship(
        back_populates="officer",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="OfficerUnit.unit_id",
    )

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def unit_ids(self) -> list[str]:
        return [u.unit_id for u in self.units]

    @property
    def actor(self) -> str:
        """How this officer appears in the audit log."""
        return f"{self.channel}:{self.external_id}"


class OfficerUnit(Base):
    """One unit (an id from content/places/units.toml, e.g. "hoan-kiem") an officer serves."""

    __tablename__ = "officer_units"

    officer_id: Mapped[int] = mapped_column(
        ForeignKey("officers.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    officer: Mapped[Officer] = relationship(back_populates="units")


class AuditEntry(Base):
    """One officer or operator action: who, what, when, on what, and the state before and
    after (JSON of ids and codes)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    # "telegram:123456789" for an officer in the bot, "cli:<os user>" for the command line,
    # "config" for officers granted from config.toml at start.
    actor: Mapped[str] = mapped_column(String(96))
    action: Mapped[str] = mapped_column(String(64))  # e.g. "officer.add", "session.cancel"
    target: Mapped[str] = mapped_column(String(128))  # e.g. "officer:telegram:123", "session:42"
    # The unit the action concerns, so an officer sees the log of their own units; None for
    # actions above any one unit (granting officer rights).
    unit_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


# Every message loads its User (bot/core.py); joining the officer row onto that one query
# answers "is this person an officer?" for the menu (whose visible() cannot await) at the cost
# of a LEFT JOIN on a unique index, with no second round trip for citizens. View-only: officer
# rights are only changed through bot/officers/manage.py.
User.officer = relationship(
    Officer,
    primaryjoin=and_(
        User.channel == foreign(Officer.channel), User.external_id == foreign(Officer.external_id)
    ),
    viewonly=True,
    uselist=False,
    lazy="joined",
)
