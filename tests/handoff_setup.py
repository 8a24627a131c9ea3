"""Helpers for the "Ask a person" tests: a core with two officers of Hoàn Kiếm, one of Cầu
Giấy and an admin (all on Telegram), the sample points, and a recording channel for every
channel the outbox sends to, so a test sees what reached whom.

    world = await handoff_world(core)
    await world.deliver()                   # run the escalation job and sweep the outbox once
    world.sent_to("telegram", HOAN_KIEM)    # texts that reached that chat
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core import Core
from bot.outbox import runtime
from bot.outbox.sweeper import sweep_once
from tests.booking_flow import use_places
from tests.outbox_helpers import RecordingChannel, attach
from tests.schedule_setup import ADMIN, CAU_GIAY, HOAN_KIEM

HOAN_KIEM_2 = "300"
OFFICERS = {
    "officers__admins": [ADMIN],
    "officers__officers": [
        f"{HOAN_KIEM}:hoan-kiem",
        f"{HOAN_KIEM_2}:hoan-kiem",
        f"{CAU_GIAY}:cau-giay",
    ],
}
__all__ = ["ADMIN", "CAU_GIAY", "HOAN_KIEM", "HOAN_KIEM_2", "OFFICERS", "World", "handoff_world"]


@dataclass
class World:
    core: Core
    channels: dict[str, RecordingChannel] = field(default_factory=dict)

    async def deliver(self) -> None:
        await runtime.outbox(self.core).run_periodic()
        while (await sweep_once(self.core)).more:
            pass

    def sent_to(self, channel: str, chat_id: str) -> list[str]:
        return [text for chat, text, _at in self.channels[channel].sent if chat == chat_id]

    def replies_to(self, channel: str, chat_id: str):
        return [
            r
            for chat, replies in self.channels[channel].replies
            if chat == chat_id
            for r in replies
        ]

    def clear(self) -> None:
        for channel in self.channels.values():
            channel.sent.clear()
            channel.replies.clear()


async def handoff_world(core: Core, channels: tuple[str, ...] = ("test", "telegram")) -> World:
    await use_places(core)
    world = World(core)
    for name in channels:
        world.channels[name] = attach(core, core.clock, name)
    return world
