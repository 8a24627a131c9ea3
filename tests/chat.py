"""`Chat`: talk to the core as one user would, without any channel.

await chat.say("/start")           # returns the replies
await chat.press("English")        # presses a button of the last replies, by label
chat.text                          # all text of the last replies

Every reply any conversation test gets is also fitted to a tight, Zalo-like capability set
(5 buttons, 20-character labels, no request buttons, no editing: bot/channels/profiles.py)
and checked: nothing it cannot show, and no button lost (each is shown or waits behind
"More…"). So the whole conversation suite proves its replies work on such a channel.
"""

from __future__ import annotations

from itertools import count

from bot.channels.adapt import MORE, adapt, page, page_payloads, violations
from bot.channels.profiles import ZALO_LIKE, Capabilities
from bot.core import Core
from bot.types import Button, ButtonKind, Contact, Incoming, Location, Reply

_ids = count(1)
TIGHT = ZALO_LIKE


def check_fits(replies: list[Reply], caps: Capabilities) -> None:
    """The replies, fitted to `caps`, break none of its limits and lose no button."""
    fitted = adapt(replies, caps)
    shown = list(fitted.replies)
    shown += [page(fitted.pages, n, caps) for n in range(1, len(fitted.pages) + 1)]
    broken = violations([r for r in shown if r is not None], caps)
    assert not broken, f"replies a {caps} channel cannot show: {broken}"
    kept = {p for r in fitted.replies for p in r.payloads()} | set(page_payloads(fitted.pages))
    lost = [p for r in replies for p in r.payloads() if p not in kept]
    assert not lost, f"buttons lost when fitted to {caps}: {lost}"


class Chat:
    def __init__(
        self,
        core: Core,
        user_id: str = "1001",
        channel: str = "test",
        language: str | None = None,
        chat_id: str | None = None,
    ):
        self.core = core
        self.user_id = user_id
        self.chat_id = chat_id or user_id
        self.channel = channel
        self.language = language
        self.replies: list[Reply] = []

    async def send(self, **fields) -> list[Reply]:
        msg = Incoming(
            channel=self.channel,
            chat_id=self.chat_id,
            user_id=self.user_id,
            language_hint=self.language,
            update_id=str(next(_ids)),
            **fields,
        )
        self.replies = await self.core.handle(msg)
        assert self.replies, "the bot must never stay silent"
        check_fits(self.replies, TIGHT)
        return self.replies

    async def say(self, text: str) -> list[Reply]:
        return await self.send(text=text)

    async def tap(self, payload: str) -> list[Reply]:
        """Send a raw button payload (what a forged or stale button would send)."""
        return await self.send(payload=payload)

    async def press(self, label: str) -> list[Reply]:
        """Press the button whose label contains `label` in the last replies."""
        button = self.button(label)
        if button.kind is not ButtonKind.CALLBACK:
            raise AssertionError(f"{label!r} is a {button.kind} button; use share_*()")
        return await self.tap(button.payload)

    async def share_contact(self, phone: str, own: bool = True) -> list[Reply]:
        return await self.send(contact=Contact(phone=phone, user_id=self.user_id if own else None))

    async def share_location(self, lat: float, lon: float) -> list[Reply]:
        return await self.send(location=Location(lat, lon))

    async def every_label(self) -> list[str]:
        """The labels of the last replies and of every page behind their "More…" (a channel
        with few buttons per message pages them: bot/channels/adapt.py), pressing it."""
        labels: list[str] = []
        while True:
            more = [b for b in self.buttons if b.payload.startswith(MORE)]
            labels += [b.label for b in self.buttons if not b.payload.startswith(MORE)]
            if not more:
                return labels
            await self.tap(more[0].payload)

    @property
    def buttons(self) -> list[Button]:
        return [b for r in self.replies for row in r.buttons for b in row]

    @property
    def labels(self) -> list[str]:
        return [b.label for b in self.buttons]

    def button(self, label: str) -> Button:
        found = [b for b in self.buttons if label.lower() in b.label.lower()]
        if not found:
            raise AssertionError(f"no button {label!r} in {self.labels}")
        return found[0]

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies if r.text)
