"""The channels that can send outbox messages in this process.

A channel registers itself when it runs (the terminal chat, a messenger's bot), which also
starts the sweeper; it unregisters when it stops, which stops the sweeper once no channel is
left (the messages in flight finish, the rest wait in the outbox for the next start):

    register(channel)            # channel.name, channel.core, `await channel.send(chat, replies)`
    await unregister(channel)

Rows for a channel no process has registered simply wait.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.outbox.runtime import Channel, outbox
from bot.outbox.sweeper import sweeper

if TYPE_CHECKING:
    from bot.core import Core


def register(channel: Channel, core: Core | None = None, *, sweep: bool = True) -> None:
    """Let the outbox send through `channel`; `sweep=False` only registers (tests drive
    `sweep_once` themselves)."""
    core = core or channel.core  # type: ignore[attr-defined]
    outbox(core).channels[channel.name] = channel
    if sweep:
        sweeper(core).start()


async def unregister(channel: Channel, core: Core | None = None) -> None:
    core = core or channel.core  # type: ignore[attr-defined]
    box = outbox(core)
    if box.channels.get(channel.name) is not channel:
        return
    started = box.sweeper is not None and box.sweeper.started
    if box.sweeper is not None:
        await box.sweeper.stop()
    del box.channels[channel.name]
    if started and box.channels and box.sweeper is not None:
        box.sweeper.start()


def registered(core: Core) -> dict[str, Channel]:
    return dict(outbox(core).channels)
