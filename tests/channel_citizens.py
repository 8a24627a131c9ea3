"""One bot serving the terminal, Telegram and Zalo at once, and a citizen on each — for the
conversation suite that runs the same flows on every channel (tests/test_channel_parity.py).

Each channel is the real one: the terminal chat reads a pipe and writes a stream; Telegram is
our PTB bot long-polling the fake Bot API (tests/fake_telegram.py); Zalo is our webhook taking
signed events from the fake OA API, which also takes our sends and enforces Zalo's limits
(tests/fake_zalo.py). A citizen does what a person does on that channel — types, presses a
button (the button's number on the terminal, a callback on Telegram, the payload Zalo sends
back as text), shares a location — and reads what reached them on the wire.

    async with all_channels(config, clock) as hub:
        lan = await hub.citizen("zalo", "6142494823000000001")
        await lan.say("/menu"); await lan.press("book")
        lan.text, lan.payloads, lan.received()
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot import app
from bot.channels.adapt import MORE
from bot.channels.telegram import TelegramBot
from bot.channels.telegram_render import KEPT
from bot.channels.terminal import TerminalChannel
from bot.channels.zalo import oauth
from bot.channels.zalo.oauth import OAuthClient
from bot.channels.zalo.serve import ZaloService
from bot.channels.zalo.settings import ZaloSettings
from bot.channels.zalo.tokens import TokenStore
from bot.clock import Clock
from bot.config import Config
from bot.core import Core
from bot.types import ButtonKind
from tests.fake_telegram import Call, FakeTelegram
from tests.fake_zalo import APP_ID, APP_SECRET, OA_ID, OA_SECRET, FakeZalo
from tests.telegram_harness import bot_config

CHANNELS = ("terminal", "telegram", "zalo")
SETTLE = 0.15  # seconds without a new Telegram message: the bot's answer is complete


class Citizen:
    """What every channel's citizen can do; `text`/`payloads` are of the last answer."""

    channel: str
    external_id: str
    text: str = ""
    payloads: list[str]

    async def say(self, text: str) -> str:
        raise NotImplementedError

    async def _tap(self, payload: str) -> str:
        raise NotImplementedError

    async def share_location(self, lat: float, lon: float) -> str:
        raise NotImplementedError

    def received(self) -> list[str]:
        """Every text that reached this person so far (answers and messages nobody asked
        for: reminders, notices, broadcasts), in order."""
        raise NotImplementedError

    async def press(self, payload: str) -> str:
        """Press the offered button whose payload is `payload` (or starts with it, when it
        ends with ':'), turning "More…" pages when the channel shows few buttons at once."""
        for _ in range(10):
            found = [
                p
                for p in self.payloads
                if p == payload or (payload[-1] == ":" and p.startswith(payload))
            ]
            if found:
                return await self._tap(found[0])
            more = [p for p in self.payloads if p.startswith(MORE)]
            if not more:
                break
            await self._tap(more[0])
        raise AssertionError(f"{self.channel}: no button {payload!r} in {self.payloads}")

    async def choose_english(self) -> None:
        await self.say("/start")
        await self.press("lang:en")


# -- terminal -------------------------------------------------------------------------------


class _Screen:
    """The terminal's stdout: keeps everything, and wakes whoever waits for the next prompt."""

    def __init__(self) -> None:
        self.written = ""
        self.prompts = 0
        self.changed = asyncio.Event()

    def write(self, text: str) -> int:
        self.written += text
        if text == "> ":
            self.prompts += 1
        self.changed.set()
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class TerminalCitizen(Citizen):
    channel = "terminal"

    def __init__(self, core: Core, user: str):
        self.external_id = user
        read_fd, self._write_fd = os.pipe()
        self._stdin = os.fdopen(read_fd, "r", encoding="utf-8")
        self.screen = _Screen()
        self.terminal = TerminalChannel(core, stdin=self._stdin, stdout=self.screen, user_id=user)  # type: ignore[arg-type]
        self._task = asyncio.create_task(self.terminal.run())
        self.payloads = []

    async def _prompt(self, after: int) -> None:
        async with asyncio.timeout(20):
            while self.screen.prompts <= after:
                self.screen.changed.clear()
                await self.screen.changed.wait()

    async def start(self) -> TerminalCitizen:
        await self._prompt(0)
        return self

    async def _type(self, line: str) -> str:
        prompts, start = self.screen.prompts, len(self.screen.written)
        os.write(self._write_fd, (line + "\n").encode())
        await self._prompt(prompts)
        shown = self.screen.written[start:]
        # The transcript echoes the typed line first; the answer follows.
        self.text = shown.split("\n", 1)[1] if "\n" in shown else ""
        self.payloads = [
            b.payload for b in self.terminal._choices if b.kind is ButtonKind.CALLBACK
        ]
        return self.text

    async def say(self, text: str) -> str:
        return await self._type(text)

    async def _tap(self, payload: str) -> str:
        number = next(i for i, b in enumerate(self.terminal._choices, 1) if b.payload == payload)
        return await self._type(str(number))

    async def share_location(self, lat: float, lon: float) -> str:
        number = next(
            i
            for i, b in enumerate(self.terminal._choices, 1)
            if b.kind is ButtonKind.REQUEST_LOCATION
        )
        prompts = self.screen.prompts
        os.write(self._write_fd, f"{number}\n".encode())
        async with asyncio.timeout(20):  # the channel asks for "lat, lon" with its own prompt
            while "📍 lat, lon: " not in self.screen.written[-40:]:
                self.screen.changed.clear()
                await self.screen.changed.wait()
        assert self.screen.prompts == prompts
        return await self._type(f"{lat}, {lon}")

    def received(self) -> list[str]:
        return [self.screen.written]

    async def stop(self) -> None:
        os.write(self._write_fd, b"/quit\n")
        os.close(self._write_fd)
        await asyncio.wait_for(self._task, 20)
        self._stdin.close()


# -- Telegram -------------------------------------------------------------------------------

_SHOWN = ("sendMessage", "editMessageText", "sendDocument", "sendLocation", "sendVenue")


def _tg_text(call: Call) -> str:
    p = call.payload
    return str(p.get("text") or p.get("caption") or p.get("title") or "")


def _tg_callbacks(call: Call) -> dict[str, str]:
    """The message's buttons: payload → the callback data sent on a press (a confirmation's
    buttons carry the "kept" mark, bot/channels/telegram_render.py)."""
    markup = call.payload.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return {
        b["callback_data"].removeprefix(KEPT): b["callback_data"]
        for row in rows
        for b in row
        if "callback_data" in b
    }


def _tg_payloads(call: Call) -> list[str]:
    return list(_tg_callbacks(call))


class TelegramCitizen(Citizen):
    channel = "telegram"

    def __init__(self, fake: FakeTelegram, chat: int, bot: TelegramBot):
        self.fake, self.chat, self.bot = fake, chat, bot
        self.external_id = str(chat)
        self.last: Call | None = None
        self.payloads = []

    def _mine(self) -> list[Call]:
        return [
            c
            for c in self.fake.calls
            if c.method in _SHOWN and str(c.payload.get("chat_id")) == self.external_id
        ]

    async def _after(self, action: Callable[[], Any]) -> str:
        seen = len(self._mine())
        action()
        recorded = self.fake._recorded  # the fake's "a call was recorded" condition
        async with asyncio.timeout(20):
            async with recorded:
                await recorded.wait_for(lambda: len(self._mine()) > seen)
            count = 0
            while count != len(self._mine()):
                count = len(self._mine())
                await asyncio.sleep(SETTLE)
        new = self._mine()[seen:]
        self.text = "\n".join(_tg_text(c) for c in new)
        with_buttons = [c for c in new if _tg_payloads(c)]
        self.last = with_buttons[-1] if with_buttons else new[-1]
        self.payloads = [p for c in new for p in _tg_payloads(c)] + list(self._labels().values())
        return self.text

    def _labels(self) -> dict[str, str]:
        """The open reply keyboard's choices (label → payload): a question that also asks for
        a location or a phone number carries its choices there, and a press sends the label."""
        return dict(self.bot.channel._labels.get(self.chat, {}))

    async def say(self, text: str) -> str:
        return await self._after(lambda: self.fake.push_text(self.chat, text, language_code="en"))

    async def _tap(self, payload: str) -> str:
        typed = next((label for label, p in self._labels().items() if p == payload), None)
        if typed is not None:
            return await self.say(typed)
        holder = next(c for c in reversed(self._mine()) if payload in _tg_payloads(c))
        message_id = holder.payload.get("message_id") or holder.result["message_id"]
        data = _tg_callbacks(holder)[payload]
        return await self._after(
            lambda: self.fake.push_callback(self.chat, message_id, data, language_code="en")
        )

    async def share_location(self, lat: float, lon: float) -> str:
        return await self._after(lambda: self.fake.push_location(self.chat, lat, lon))

    def received(self) -> list[str]:
        return [_tg_text(c) for c in self._mine()]

    async def more_than(self, count: int, within: float = 10.0) -> None:
        """Wait until more than `count` messages reached this chat (a message nobody asked
        for, sent by the outbox)."""
        recorded = self.fake._recorded
        async with asyncio.timeout(within), recorded:
            await recorded.wait_for(lambda: len(self._mine()) > count)


# -- Zalo -----------------------------------------------------------------------------------


class ZaloCitizen(Citizen):
    channel = "zalo"

    def __init__(self, hub: Hub, user: str):
        self.hub, self.external_id = hub, user
        self.payloads = []

    @property
    def fake(self) -> FakeZalo:
        return self.hub.zalo

    def mine(self) -> list[Any]:
        """The consultation messages Zalo accepted for this person."""
        owner = self.fake.message_owner
        out = []
        for c in self.fake.messages:
            to = c.json.get("recipient", {})
            who = to.get("user_id") or owner.get(str(to.get("message_id")))
            if who == self.external_id and c.error == 0:
                out.append(c)
        return out

    async def _push(self, event: dict) -> str:
        seen = len(self.mine())
        assert await self.fake.push(event, self.hub.zalo_url) == 200
        await self.hub.zalo_service.channel.webhook.drain()  # type: ignore[union-attr]
        new = self.mine()[seen:]
        self.text = "\n".join(c.json["message"].get("text", "") for c in new)
        prefix = self.hub.zalo_service.settings.payload_prefix
        self.payloads = [
            b["payload"].removeprefix(prefix)
            for c in new
            for b in c.json["message"].get("attachment", {}).get("payload", {}).get("buttons", [])
            if b["type"] == "oa.query.hide"
        ]
        return self.text

    async def say(self, text: str) -> str:
        return await self._push(self.fake.text_event(self.external_id, text))

    async def _tap(self, payload: str) -> str:
        prefix = self.hub.zalo_service.settings.payload_prefix
        return await self.say(prefix + payload)  # what the user's Zalo app sends on a press

    async def share_location(self, lat: float, lon: float) -> str:
        return await self._push(self.fake.location_event(self.external_id, str(lat), str(lon)))

    def received(self) -> list[str]:
        return [c.json["message"].get("text", "") for c in self.mine()]


# -- the bot on all three -------------------------------------------------------------------


@dataclass
class Hub:
    core: Core
    telegram: FakeTelegram
    zalo: FakeZalo
    zalo_service: ZaloService
    zalo_url: str
    telegram_bot: TelegramBot
    terminals: list[TerminalCitizen] = field(default_factory=list)

    async def citizen(self, channel: str, external_id: str, *, english: bool = True) -> Citizen:
        person: Citizen
        if channel == "terminal":
            person = await TerminalCitizen(self.core, external_id).start()
            self.terminals.append(person)  # type: ignore[arg-type]
        elif channel == "telegram":
            person = TelegramCitizen(self.telegram, int(external_id), self.telegram_bot)
        else:
            person = ZaloCitizen(self, external_id)
        if english:
            await person.choose_english()
        return person


def zalo_config(config: Config, fake: FakeZalo, **changes: Any) -> Config:
    return config.replace(
        channels__zalo__app_id=APP_ID,
        channels__zalo__app_secret_key=APP_SECRET,
        channels__zalo__oa_secret_key=OA_SECRET,
        channels__zalo__oa_id=OA_ID,
        channels__zalo__redirect_uri="https://bot.example.vn/zalo/authorised",
        channels__zalo__api_base_url=fake.url,
        channels__zalo__oauth_base_url=fake.url,
        channels__zalo__zns_base_url=fake.url,
        **changes,
    )


@asynccontextmanager
async def all_channels(config: Config, clock: Clock, **changes: Any) -> AsyncIterator[Hub]:
    """The bot with Telegram (polling the fake) and Zalo (webhook on a free port) in one
    process, on one core; terminal citizens join through `hub.citizen("terminal", …)`."""
    async with FakeTelegram() as telegram:
        zalo = await FakeZalo(clock).start()
        try:
            # The suite is about flows, not pace: Telegram's per-chat pacing (about one message a
            # second, tests/test_booking_telegram.py) would outlast the citizen's settle time.
            changes.setdefault("channels__telegram__per_chat_per_second", 100)
            cfg = zalo_config(bot_config(config, telegram), zalo, **changes)
            core = await app.start(cfg, clock=clock)
            try:
                service = ZaloService(cfg, core, listen_port=0)
                await _authorise(core, service.settings, zalo)  # `trolyso zalo authorize`
                bot = TelegramBot(cfg, core, webhook=False)
                await bot.start()
                await service.start()
                try:
                    await service.listen()
                    url = f"http://127.0.0.1:{service.port}{service.settings.webhook_path}"
                    hub = Hub(core, telegram, zalo, service, url, bot)
                    try:
                        yield hub
                    finally:
                        for person in hub.terminals:
                            await person.stop()
                finally:
                    await service.stop()
                    await bot.stop()
            finally:
                await core.close()
        finally:
            await zalo.stop()


async def _authorise(core: Core, settings: ZaloSettings, fake: FakeZalo) -> None:
    async with aiohttp.ClientSession() as session:
        tokens = TokenStore(core.db, OAuthClient(session, settings), settings, core.clock)
        verifier, challenge = oauth.pkce_pair()
        await tokens.begin_authorisation(verifier, "hub")
        await tokens.finish_authorisation(
            fake.grant(oauth.permission_url(settings, challenge, "hub"))
        )


__all__ = ["CHANNELS", "Citizen", "Hub", "all_channels"]
