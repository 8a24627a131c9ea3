"""Tables a channel keeps for itself: its credentials and its errors.

Named for no messenger: a channel is a string column. A channel's API tokens live in
`channel_credentials` (the channel's own tokens module under bot/channels/); its send and token
failures in `channel_errors` for the channel's status command. (A webhook's duplicate check is
the durable inbox's key: bot/inbox.py.) Migrations: 0009_channels, 0013_webhook_inbox.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base


class ChannelCredential(Base):
    """One account's OAuth tokens. Written only by a conditional update on `generation`, so two
    processes never both store the result of spending the same single-use refresh token."""

    __tablename__ = "channel_credentials"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_token: Mapped[str | None] = mapped_column(Text, default=None)
    refresh_token: Mapped[str | None] = mapped_column(Text, default=None)
    access_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    # Bumped by every write of the tokens; a refresh stores its result only if unchanged.
    generation: Mapped[int] = mapped_column(Integer, default=0)
    # A process refreshing holds this lease; others wait or use the token still valid.
    lease_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    # An authorisation begun (the channel's `authorize` command) and not yet finished: the
    # PKCE verifier.
    pending_verifier: Mapped[str | None] = mapped_column(String(128), default=None)
    pending_state: Mapped[str | None] = mapped_column(String(64), default=None)
    pending_since: Mapped[datetime | None] = mapped_column(default=None)
    # Set when the platform refused the refresh token: only a new authorisation fixes it.
    refresh_refused_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)


class ChannelError(Base):
    """A failure worth showing an operator: a platform error code and where it happened.
    Never the platform's message text (it may quote the user)."""

    __tablename__ = "channel_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    at: Mapped[datetime]
    # "send", "upload", "refresh", "authorize", "webhook"
    source: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32))
