"""Per-channel rate limiting of the outbox: a token bucket across chats, one per chat, a pause
after the messenger says "too many requests", and a lane kept free for interactive replies.

Each send *reserves* its moment synchronously (virtual scheduling: the next free moment moves
on by 1/rate per message), so any number of concurrent senders share one budget without a
lock. Time comes from a `Timer`; tests inject a fake one and never sleep.
"""

from __future__ import annotations

import asyncio
import time

# Sends that may go at once after a quiet spell, as a share of one second's budget: enough to
# absorb the event loop's timer jitter, too little to break the messenger's one-second window.
BURST_SECONDS = 0.02
# A message whose chat (or paused channel) cannot take it within this many seconds is put
# back in the outbox for later instead of holding a sender.
MAX_WAIT_SECONDS = 2.0
_PRUNE_CHATS_AT = 10_000


class Timer:
    """Real, monotonic time."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)


class Busy(Exception):  # noqa: N818 - a signal, not a failure
    """The message cannot go within MAX_WAIT_SECONDS; try again after `seconds`."""

    def __init__(self, seconds: float):
        super().__init__(f"busy for {seconds:.2f} s")
        self.seconds = seconds


class _Bucket:
    def __init__(self, rate: float, burst: float):
        self.rate = rate
        self.tolerance = max(0.0, burst - 1) / rate
        self.next_at = float("-inf")

    def take(self, earliest: float, cost: float) -> float:
        """Reserve `cost` messages at `earliest` or the first moment after it the budget
        allows; return that moment."""
        at = max(earliest, self.next_at - self.tolerance)
        self.next_at = max(self.next_at, at) + cost / self.rate
        return at

    def has_room(self, now: float) -> bool:
        return now + 1e-9 >= self.next_at - self.tolerance  # 1e-9: float rounding


class ChannelLimiter:
    """The budget of one channel: `rate` messages per second across chats (None: unlimited),
    `per_chat` to one chat (None: unlimited), and `lane` messages per second that interactive
    replies may use before they borrow from the outbox's budget."""

    def __init__(
        self,
        rate: float | None,
        per_chat: float | None,
        timer: Timer | None = None,
        *,
        lane: float = 0.0,
    ):
        self.timer = timer or Timer()
        self.rate = rate
        self.per_chat = per_chat
        self._global = _Bucket(rate, max(1.0, rate * BURST_SECONDS)) if rate else None
        self._lane = _Bucket(lane, max(1.0, lane)) if lane > 0 else None
        self._chats: dict[str, float] = {}
        self._paused_until = float("-inf")

    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self.timer.now())

    def pause(self, seconds: float) -> None:
        """The messenger answered "too many requests, retry after `seconds`": nobody sends on
        this channel until then."""
        until = self.timer.now() + max(0.0, seconds)
        self._paused_until = max(self._paused_until, until)
        if self._global is not None:
            self._global.next_at = max(self._global.next_at, self._paused_until)

    def reserve(self, chat_id: str, cost: int = 1) -> float:
        """Seconds to wait before sending `cost` messages to `chat_id`; raises `Busy` when
        that would be longer than MAX_WAIT_SECONDS (nothing is reserved then)."""
        now = self.timer.now()
        earliest = max(now, self._paused_until, self._chats.get(chat_id, now))
        if earliest - now > MAX_WAIT_SECONDS:
            raise Busy(earliest - now)
        at = self._global.take(earliest, cost) if self._global is not None else earliest
        if self.per_chat:
            self._remember_chat(chat_id, at + cost / self.per_chat, now)
        return at - now

    def note_interactive(self, cost: int = 1) -> None:
        """A reply to someone writing now went out on this channel (it never waits here):
        beyond the interactive lane it takes its share from the outbox's budget."""
        if self._global is None:
            return
        now = self.timer.now()
        if self._lane is not None and self._lane.has_room(now):
            self._lane.take(now, cost)
            return
        self._global.next_at = max(self._global.next_at, now) + cost / self._global.rate

    def _remember_chat(self, chat_id: str, ready_at: float, now: float) -> None:
        if len(self._chats) >= _PRUNE_CHATS_AT:
            self._chats = {c: t for c, t in self._chats.items() if t > now}
        self._chats[chat_id] = ready_at
