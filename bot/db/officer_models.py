"""Officer tables: who is an officer or admin (a person, bot/db/models.py), which units
(communes/wards) each officer serves, one-time codes that link another channel account to an
officer's person, and the audit log of every officer action. Migrations: 0005_officers,
0009_people.

The audit log holds ids and codes only (a booking id, a session id, a unit id), never a
citizen's name or phone number; bot/officers/audit.py refuses values that look like one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from bot.db.models import Base, User

ROLES = ("admin", "officer")


class Officer(Base):
    """A person's officer rights (whichever channel they write from). An admin may act for
    every unit; an officer only for the units listed in `officer_units`."""

    __tablename__ = "officers"
    __table_args__ = (CheckConstraint("role IN ('admin', 'officer')", name="ck_officers_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), unique=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    # The person's channel accounts, view-only: linking is bot/officers/linking.py. Loaded
    # only when asked for (`selectinload`), so an officer's message costs no extra query.
    accounts: Mapped[list[User]] = relationship(
        User,
        primaryjoin=lambda: Officer.person_id == foreign(User.person_id),
        viewonly=True,
        lazy="raise",
    )
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
    def identities(self) -> list[str]:
        """The person's channel accounts as "channel:id" (loaded with the officer)."""
        return sorted(f"{u.channel}:{u.external_id}" for u in self.accounts)


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


# Every message loads its User (bot/core.py); joining the officer row of the account's person
# onto that one query answers "is this person an officer?" for the menu (whose visible() cannot
# await) at the cost of a LEFT JOIN on a unique index, with no second round trip for citizens
# (whose person_id is NULL). View-only: officer
# rights are only changed through bot/officers/manage.py.
User.officer = relationship(
    Officer,
    primaryjoin=User.person_id == foreign(Officer.person_id),
    viewonly=True,
    uselist=False,
    lazy="joined",
)


class LinkCode(Base):
    """A one-time code an officer was shown in one channel, to type in another so that
    account joins their person. Only the code's hash is kept; single use, short-lived."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    used_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class LinkAttempt(Base):
    """A wrong code typed by an account: a few per hour, then /link refuses for a while (so a
    code cannot be guessed)."""

    __tablename__ = "link_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
