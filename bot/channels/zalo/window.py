"""May a message go to this Zalo user now, and how? The reply window as a pure function —
the core of the Zalo channel's send policy (issue 8 asks each channel for one).

What the sources say (../shared/facts/channels.md §4), and why every number is a setting:
- Zalo OA support: 8 free replies within 48 h of the user's message, reset when they write
  again; after that a message is "proactive" (paid, needs a verified OA) [Freshdesk];
- Zalo Cloud's blog after April 2023: consultation messages are allowed while the last
  interaction is within 7 days, matching error −230 [secondary];
- beyond that only a ZNS template to the user's phone number (approved template, funded Zalo
  Cloud Account, the person's consent) reaches them;
- no sends 22:00–06:00 (error −234) [code]. Whether that ban covers a direct answer to someone
  writing at night is unknown: `night_ban_covers_replies` decides, off by default (such answers
  do not go through the outbox anyway).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.channels.zalo.settings import ZaloSettings


class Route(StrEnum):
    REPLY = "reply"  # an answer to what the user just wrote: always free
    FREE = "free"  # a consultation message inside the free allowance
    COUNTED = "counted"  # a consultation message inside the window, counted/paid by Zalo
    TEMPLATE = "template"  # a ZNS template to the user's phone number
    HOLD = "hold"  # not now (the night ban): try again at `hold_until`
    UNDELIVERABLE = "undeliverable"  # no way to reach them: `reason` says why


@dataclass(frozen=True, slots=True)
class Decision:
    route: Route
    reason: str | None = None  # a short fixed word for undeliverable rows and reports
    hold_until: datetime | None = None
    template_id: str | None = None

    @property
    def may_send(self) -> bool:
        return self.route in (Route.REPLY, Route.FREE, Route.COUNTED, Route.TEMPLATE)


@dataclass(frozen=True, slots=True)
class Limits:
    free_window: timedelta = timedelta(hours=48)
    free_messages: int = 8
    window: timedelta = timedelta(days=7)
    quiet_start: time = time(22, 0)
    quiet_end: time = time(6, 0)
    tz: ZoneInfo = ZoneInfo("Asia/Ho_Chi_Minh")
    night_ban_covers_replies: bool = False

    @classmethod
    def of(cls, settings: ZaloSettings) -> Limits:
        return cls(
            free_window=timedelta(hours=settings.free_window_hours),
            free_messages=settings.free_messages,
            window=timedelta(days=settings.window_days),
            quiet_start=settings.quiet_start,
            quiet_end=settings.quiet_end,
            tz=ZoneInfo(settings.timezone),
        )


def night_ends(now: datetime, limits: Limits) -> datetime | None:
    """When the night ban that `now` falls in ends (aware UTC-comparable), or None by day."""
    local = now.astimezone(limits.tz)
    clock = local.time()
    start, end = limits.quiet_start, limits.quiet_end
    if start == end:
        return None
    at_night = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not at_night:
        return None
    ends = datetime.combine(local.date(), end, tzinfo=limits.tz)
    if ends <= local:
        ends += timedelta(days=1)
    return ends


def decide(
    *,
    now: datetime,
    limits: Limits,
    is_reply: bool,
    last_interaction: datetime | None,
    sent_since: int,
    kind: str,
    templates: Mapping[str, str],
    phone: str | None = None,
    consent: bool = False,
    following: bool = True,
) -> Decision:
    """How a message of `kind` may go to a user now.

    `last_interaction`: when the user last wrote (or pressed, or shared) to the OA;
    `sent_since`: consultation messages sent to them since then; `phone`/`consent`: a number
    they gave for this purpose and agreed to be notified at (a booking's phone)."""
    ends = night_ends(now, limits)
    if ends is not None and (not is_reply or limits.night_ban_covers_replies):
        return Decision(Route.HOLD, "night", hold_until=ends)
    if is_reply and following:
        return Decision(Route.REPLY)
    if following and last_interaction is not None:
        age = now - last_interaction
        if age <= limits.free_window and sent_since < limits.free_messages:
            return Decision(Route.FREE)
        if age <= limits.window:
            return Decision(Route.COUNTED)
    template_id = templates.get(kind)
    if template_id and phone and consent:
        return Decision(Route.TEMPLATE, template_id=template_id)
    if not following:
        reason = "unfollowed"
    elif not template_id:
        reason = "outside_window"
    elif not phone:
        reason = "outside_window_no_phone"
    else:
        reason = "outside_window_no_consent"
    return Decision(Route.UNDELIVERABLE, reason)
