"""The outbox's live parts in one process, kept per core (`core.services["outbox"]`): the
channels that can send, their rate limiters, the templates rows may name, and the hooks other
features add (a progress count on every message sent, a last check before sending, periodic
work such as planning reminders).

Features register here from their `setup(core)`, in any order:

    runtime.on_sent(core, callback)             # callback(core, row) after a row is sent
    runtime.on_finished(core, callback)         # … after any final status (sent, failed,
                                                #   skipped)
    runtime.before_send(core, "broadcast", check)  # check(session, rows, core) ->
                                                #   {row id: reason}: those are skipped
    runtime.template(core, "reminder", render)  # render(session, row, core) -> replies |
                                                #   Skip | Defer
    runtime.every(core, "reminders.plan", 60, plan)  # plan(core), run by the sweeper
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.booking_models import OutboxMessage
from bot.outbox.limiter import ChannelLimiter, Timer
from bot.types import Reply

if TYPE_CHECKING:
    from bot.core import Core
    from bot.outbox.sweeper import Sweeper

SERVICE = "outbox"


class Channel(Protocol):
    """A channel the outbox sends through. One whose send policy may choose how a message
    goes (bot/channels/policy.py: a proactive message, a template by phone) also has
    `async send_as(chat_id, replies, decision)`, which the outbox calls instead of `send`."""

    name: str

    async def send(self, chat_id: str, replies: list[Reply]) -> None: ...


@dataclass(frozen=True, slots=True)
class Skip:
    """Do not send this row (it no longer makes sense); `reason` is kept on the row."""

    reason: str


@dataclass(frozen=True, slots=True)
class Defer:
    """Not now: put the row back to be sent at `until`."""

    until: datetime


Rendered = list[Reply] | Skip | Defer
Render = Callable[[AsyncSession, OutboxMessage, "Core"], Awaitable[Rendered]]
Check = Callable[[AsyncSession, list[OutboxMessage], "Core"], Awaitable[dict[int, str]]]
Hook = Callable[["Core", OutboxMessage], Awaitable[None] | None]
Periodic = Callable[["Core"], Awaitable[Any]]


@dataclass
class _Every:
    seconds: float
    run: Periodic
    last: float = float("-inf")


@dataclass
class Outbox:
    core: Core
    timer: Timer = field(default_factory=Timer)
    channels: dict[str, Channel] = field(default_factory=dict)
    limiters: dict[str, ChannelLimiter] = field(default_factory=dict)
    templates: dict[str, Render] = field(default_factory=dict)
    checks: dict[str, list[Check]] = field(default_factory=dict)
    sent_hooks: list[Hook] = field(default_factory=list)
    finished_hooks: list[Hook] = field(default_factory=list)
    periodic: dict[str, _Every] = field(default_factory=dict)
    sweeper: Sweeper | None = None

    def paid(self, row_channel: str, kind: str) -> bool:
        """Whether messages of `kind` go to `row_channel` as paid messages (its profile)."""
        return kind in self.core.profile(row_channel).paid_kinds

    def paid_limiter(self, channel: str) -> ChannelLimiter:
        """The budget of the channel's paid messages: a rate of their own, no headroom (the
        messenger counts them apart from the free ones)."""
        key = f"{channel}+paid"
        if key not in self.limiters:
            found = self.core.profile(channel)
            self.limiters[key] = ChannelLimiter(
                found.paid_per_second, found.per_chat_per_second, self.timer
            )
        return self.limiters[key]

    def limiter(self, channel: str) -> ChannelLimiter:
        """The channel's limiter, made on first use from the channel's own budget
        (bot/channels/profiles.py) minus the interactive headroom; a channel without a
        budget is not limited."""
        if channel not in self.limiters:
            found = self.core.profile(channel)
            rate = found.per_second
            if rate is None:
                self.limiters[channel] = ChannelLimiter(None, None, self.timer)
            else:
                headroom = self.core.config.rate_limits.interactive_headroom
                self.limiters[channel] = ChannelLimiter(
                    rate * (1 - headroom),
                    found.per_chat_per_second,
                    self.timer,
                    lane=rate * headroom,
                )
        return self.limiters[channel]

    async def run_periodic(self) -> None:
        now = self.timer.now()
        for every in self.periodic.values():
            if now - every.last >= every.seconds:
                every.last = now
                await every.run(self.core)


def outbox(core: Core) -> Outbox:
    found = core.services.get(SERVICE)
    if found is None:
        found = core.services[SERVICE] = Outbox(core)
    return found


def on_sent(core: Core, hook: Hook) -> None:
    if hook not in outbox(core).sent_hooks:
        outbox(core).sent_hooks.append(hook)


def on_finished(core: Core, hook: Hook) -> None:
    if hook not in outbox(core).finished_hooks:
        outbox(core).finished_hooks.append(hook)


def before_send(core: Core, kind: str, check: Check) -> None:
    checks = outbox(core).checks.setdefault(kind, [])
    if check not in checks:
        checks.append(check)


def template(core: Core, name: str, render: Render) -> None:
    outbox(core).templates[name] = render


def every(core: Core, name: str, seconds: float, run: Periodic) -> None:
    outbox(core).periodic[name] = _Every(seconds, run)
