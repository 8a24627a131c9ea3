"""Property-based fuzz of the webhook (Hypothesis): update shapes, unicode, sizes and button
payloads, posted over real HTTP to the real webhook app (PTB Application, core, SQLite) with
the fake Bot API behind it. No 5xx, no unhandled exception, every private text answered, and
no reply Telegram would refuse."""

from __future__ import annotations

import asyncio
import http.client
import itertools
import json
import logging
import threading
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import app, logsafe
from bot import config as config_mod
from bot.channels.telegram import TelegramBot
from bot.channels.text import units
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.reliability import harness
from tests.telegram_harness import bot_config

SECRET = "fuzz_Secret-1"
EXAMPLES = harness.scale(300, 10_000)
CHATS = itertools.count(10_000_000)
UPDATE_IDS = itertools.count(1)
# Log lines that mean an exception escaped a handler or the channel.
UNHANDLED = ("handler failed", "failed outside its handler", "telegram update", "Traceback")


class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


class WebhookInAThread:
    """The real bot in webhook mode, on its own event loop in a thread, so Hypothesis (which
    is synchronous) can post to it."""

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self.ready = threading.Event()
        self.port = 0
        self.fake: FakeTelegram | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as e:  # reported by start()
            self.failure = e
            self.ready.set()

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with FakeTelegram() as fake:
            self.fake = fake
            cfg = config_mod.load(harness.ROOT / "config.toml", environ={}).replace(
                database__url=f"sqlite+aiosqlite:///{self.db_path}"
            )
            cfg = bot_config(
                cfg,
                fake,
                webhook__secret_token=SECRET,
                webhook__listen_host="127.0.0.1",
                webhook__max_body_bytes=1_000_000,
            )
            core = await app.start(cfg)
            bot = TelegramBot(cfg, core, webhook=True, listen_port=0)
            try:
                await bot.start()
                self.port = bot.server.port
                self.ready.set()
                await self._stop.wait()
            finally:
                await bot.stop()
                await core.close()

    def start(self) -> None:
        self.thread.start()
        self.ready.wait(120)
        if self.failure is not None:
            raise self.failure

    def stop(self) -> None:
        if self.loop is not None and self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(60)

    def post(self, body: bytes, content_type: str = "application/json") -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(
                "POST",
                "/telegram",
                body=body,
                headers={
                    "Content-Type": content_type,
                    "X-Telegram-Bot-Api-Secret-Token": SECRET,
                },
            )
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()


# ---- what Telegram might send, and what it never would -----------------------------------

ANY_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()),
    max_size=300,
)
VIETNAMESE = st.sampled_from(
    [
        "đăng ký khai sinh",
        "Đăng ký tạm trú cho con",
        "dang ky ket hon",
        "ddăng kys",
        "/start",
        "/menu",
        "/help",
        "/cancel",
        "/start p_hk1",
        "/book",
        "cấp lại căn cước",
        "vneid",
        "Nguye\u0302\u0303n Thi\u0323 Lan",
        "số tôi 0912 345 678",
        harness.NAMES[0],
    ]
)
TEXTS = st.one_of(
    VIETNAMESE,
    ANY_TEXT,
    st.text(max_size=5000),
    st.builds(lambda a, b: a + b, VIETNAMESE, ANY_TEXT),
)
PREFIXES = st.sampled_from(
    [
        "menu",
        "lang:",
        "g:o:",
        "g:s:",
        "g:n:",
        "g:v:",
        "book",
        "bk:",
        "mb:",
        "mb:day:",
        "rem:come:",
        "pts:l:",
        "bc",
        "off:",
        "",
    ]
)
NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70).map(str), st.sampled_from(["²", "٣", "１２", "0", "00", "-1"])
)
PAYLOADS = st.one_of(
    st.builds(lambda p, n: p + n, PREFIXES, NUMBERS),
    st.builds(lambda p, n, m: f"{p}{n}:{m}", PREFIXES, NUMBERS, NUMBERS),
    ANY_TEXT,
)
JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=8,
)


def _user(draw, chat: int) -> dict[str, Any]:
    return {
        "id": chat,
        "is_bot": False,
        "first_name": draw(st.sampled_from([*harness.NAMES, "Lan"]) | ANY_TEXT),
        "language_code": draw(st.sampled_from(["vi", "en", "", "zz", "vi-VN"]) | ANY_TEXT),
    }


@st.composite
def updates(draw) -> tuple[dict[str, Any], int | None]:
    """An update, and the chat that must get an answer (None when none is owed)."""
    chat = next(CHATS)
    kind = draw(st.sampled_from(["text", "text", "callback", "location", "contact", "junk"]))
    private = draw(st.sampled_from(["private"] * 4 + ["group", "supergroup", "channel"]))
    chat_obj = {"id": chat if private == "private" else -chat, "type": private}
    base = {
        "message_id": draw(st.integers(1, 2**31)),
        "date": 1767225600,
        "chat": chat_obj,
        "from": _user(draw, chat),
    }
    update: dict[str, Any] = {"update_id": next(UPDATE_IDS)}
    owed = None
    if kind == "text":
        text = draw(TEXTS)
        update["message"] = {**base, "text": text}
        if private == "private":
            owed = chat_obj["id"]
    elif kind == "callback":
        message = {**base, "from": {"id": 1, "is_bot": True, "first_name": "bot"}, "text": "x"}
        update["callback_query"] = {
            "id": draw(st.text(max_size=12) | st.just(None)),
            "from": _user(draw, chat),
            "message": draw(st.just(message) | st.just({**message, "date": 0}) | JUNK),
            "chat_instance": "ci",
            "data": draw(PAYLOADS | JUNK),
        }
    elif kind == "location":
        where = {"latitude": draw(st.floats() | JUNK), "longitude": draw(st.floats() | JUNK)}
        field = draw(st.sampled_from(["location", "venue"]))
        content = where if field == "location" else {"location": where, "title": draw(ANY_TEXT)}
        update["message"] = {**base, field: content}
    elif kind == "contact":
        update["message"] = {
            **base,
            "contact": {
                "phone_number": draw(st.sampled_from(harness.PHONES) | ANY_TEXT | JUNK),
                "first_name": draw(st.sampled_from(harness.NAMES) | ANY_TEXT),
                "user_id": draw(st.just(chat) | JUNK),
            },
        }
    else:
        update[draw(st.sampled_from(["message", "edited_message", "callback_query", "x"]))] = draw(
            st.dictionaries(st.sampled_from(["chat", "from", "text", "data", "id"]), JUNK)
        )
    return update, owed


def _rejected(call) -> str | None:
    """Why Telegram would refuse this call, or None."""
    p = call.payload
    if call.method in ("sendMessage", "editMessageText"):
        text = p.get("text")
        if not isinstance(text, str) or not text.strip():
            return "empty text"
        if units(text) > 4096:
            return "text over 4096"
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "text not UTF-8"
        markup = p.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    return "callback_data not 1-64 bytes"
                if not button.get("text"):
                    return "button without text"
    if call.method == "answerCallbackQuery" and p.get("callback_query_id") in (None, "None"):
        return "answerCallbackQuery without an id"
    return None


def test_fuzzed_updates_never_get_a_5xx_and_every_private_text_is_answered(tmp_path):
    errors = Errors()
    root = logging.getLogger()
    root.addHandler(errors)
    # Logged as `trolyso run` logs (INFO, through the redacting filter), for the log scan.
    folder = harness.LOG_DIR or tmp_path
    to_file = logging.FileHandler(folder / "fuzz-in-process.log", encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(to_file)
    old_level = root.level
    root.setLevel(logging.INFO)
    logsafe.install([TOKEN, SECRET], logger=root)
    bot = WebhookInAThread(str(tmp_path / "fuzz.db"))
    bot.start()
    statuses: dict[int, int] = {}
    owed: set[int] = set()
    oddities = {"not json": 0, "wrong type": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(updates(), st.sampled_from(["plain", "plain", "plain", "broken", "type"]))
    def post(example, how) -> None:
        update, chat = example
        body = json.dumps(update).encode()
        if how == "broken":
            body = body[: len(body) // 2]
        status = bot.post(body, "text/plain" if how == "type" else "application/json")
        statuses[status] = statuses.get(status, 0) + 1
        assert status < 500, (status, update)
        if how == "plain" and chat is not None and status == 200:
            owed.add(chat)
        if how != "plain":
            oddities["not json" if how == "broken" else "wrong type"] += 1

    try:
        post()
        fake = bot.fake
        answered = lambda: {c.payload.get("chat_id") for c in list(fake.calls)}  # noqa: E731
        asyncio.run(harness.until(lambda: owed <= answered(), within=120, every=0.5))
        unanswered = len(owed - answered())
        rejected = [why for c in list(fake.calls) if (why := _rejected(c))]
    finally:
        bot.stop()
        for handler in (errors, to_file):
            root.removeHandler(handler)
        to_file.close()
        root.setLevel(old_level)
        logsafe.install([], logger=root)
    unhandled = [line for line in errors.lines if any(u in line for u in UNHANDLED)]
    harness.record(
        "fuzzed webhook requests (Hypothesis)",
        "SQLite",
        requests=sum(statuses.values()),
        by_status=dict(sorted(statuses.items())),
        responses_5xx=sum(n for s, n in statuses.items() if s >= 500),
        unhandled_exceptions=len(unhandled),
        private_texts=len(owed),
        unanswered=unanswered,
        replies_telegram_would_refuse=len(rejected),
    )
    assert not unhandled, unhandled[:5]
    assert unanswered == 0
    assert not rejected, rejected[:5]
