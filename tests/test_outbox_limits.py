"""Rate limits of the outbox (fake time, never sleeping): across chats, to one chat, after a
429, and the lane kept for people writing to the bot now."""

from __future__ import annotations

import pytest

from bot import app
from bot.core import Core
from bot.outbox.limiter import MAX_WAIT_SECONDS, Busy, ChannelLimiter
from bot.outbox.runtime import outbox
from bot.outbox.sweeper import sweep_once
from tests.outbox_helpers import attach, queue


class Ticks:
    def __init__(self):
        self.t = 1000.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


def moments(limiter: ChannelLimiter, ticks: Ticks, chats: list[str]) -> list[float]:
    """When each message would go, each sender waiting its turn."""
    out = []
    for chat in chats:
        ticks.t += limiter.reserve(chat)
        out.append(round(ticks.t - 1000.0, 3))
    return out


def test_messages_to_many_chats_are_spaced_by_the_rate():
    ticks = Ticks()
    limiter = ChannelLimiter(20, 1, ticks)
    assert moments(limiter, ticks, [f"c{i}" for i in range(5)]) == [0, 0.05, 0.1, 0.15, 0.2]


def test_a_second_message_to_one_chat_waits_a_second():
    ticks = Ticks()
    limiter = ChannelLimiter(20, 1, ticks)
    assert moments(limiter, ticks, ["a", "b", "a"]) == [0, 0.05, 1.0]


def test_a_chat_whose_turn_is_far_away_is_not_waited_for():
    ticks = Ticks()
    limiter = ChannelLimiter(20, 0.1, ticks)  # one message per 10 s to a chat
    limiter.reserve("a")
    with pytest.raises(Busy) as busy:
        limiter.reserve("a")
    assert busy.value.seconds == pytest.approx(10)
    assert limiter.reserve("b") == pytest.approx(0.05)  # nothing was reserved for "a"


def test_a_pause_holds_every_chat_until_it_ends():
    ticks = Ticks()
    limiter = ChannelLimiter(20, 1, ticks)
    limiter.pause(1.5)
    assert limiter.paused_for() == 1.5
    assert limiter.reserve("x") == pytest.approx(1.5)
    limiter.pause(MAX_WAIT_SECONDS + 5)
    with pytest.raises(Busy):
        limiter.reserve("y")


def test_replies_use_their_lane_first_then_slow_the_outbox():
    ticks = Ticks()
    limiter = ChannelLimiter(20, None, ticks, lane=5)
    for _ in range(5):
        limiter.note_interactive()  # within the lane: the outbox is not slowed
    assert limiter.reserve("c1") == 0
    for _ in range(10):
        limiter.note_interactive()  # beyond it: each takes an outbox turn
    assert limiter.reserve("c2") == pytest.approx(0.05 + 10 / 20)


def test_telegram_keeps_the_interactive_headroom(core):
    limits = core.config.channels.telegram
    headroom = core.config.rate_limits.interactive_headroom
    telegram = outbox(core).limiter("telegram")
    assert telegram.rate == pytest.approx(limits.per_second * (1 - headroom))
    assert telegram.rate < limits.per_second
    assert telegram.per_chat == limits.per_chat_per_second
    assert outbox(core).limiter("terminal").rate is None


async def test_the_sweeper_sends_no_faster_than_the_channel_allows(config, clock):
    # One sender: with fake time, concurrent senders' sleeps would move one shared clock.
    core = await app.start(config.replace(outbox__max_in_flight=1), clock=clock)
    try:
        await _paced(core, clock)
    finally:
        await core.close()


async def _paced(core: Core, clock) -> None:
    channel = attach(core, clock, name="telegram")
    for i in range(30):
        await queue(core, f"{100 + i}", channel="telegram")
    started = clock.now()
    while (await sweep_once(core)).claimed:
        pass
    times = [at for _chat, _text, at in channel.sent]
    assert len(times) == 30
    rate = outbox(core).limiter("telegram").rate  # 25/s less the headroom: 20/s
    span = (max(times) - started).total_seconds()
    assert span == pytest.approx(29 / rate, abs=0.01)
    per_second = max(sum(1 for t in times if 0 <= (t - s).total_seconds() < 0.999) for s in times)
    assert per_second <= rate
