"""Paid broadcasts beside free ones: the same broadcast (outbox rows of kind "broadcast",
sent by the real sweeper through our PTB transport) with `[channels.telegram] paid_broadcast`
off and on, against a fake Bot API in its own process that enforces Telegram's two limits:
FREE_LIMIT = 30 messages/s for ordinary sends, PAID_LIMIT = 1,000 messages/s for sends that
carry `allow_paid_broadcast` (429 above either; ../shared/facts/channels.md, "Rate limits").

    python -m bench.paid [--recipients 20000] [--free-recipients 1000]
                         [--paid-limit 1000] [--paid-rate 950]

`--paid-limit` is the fake server's paid limit; `--paid-rate` the bot's
`channels.telegram.paid_per_second` (default: config.toml's, 950).

The bot runs with the shipped config.toml values (per_second 25 less the 20 % interactive
headroom = 20 messages/s free; paid_per_second 950), so the free row is Telegram's real pace
and takes count / 20 seconds: it runs on `--free-recipients` (default 1,000, about 50 s) and
the time for `--recipients` is derived from its measured rate. Rows:

1. "free": paid_broadcast = false, a broadcast to the free sample.
2. "paid + citizens": paid_broadcast = true, `--recipients` people, while citizens write
   "/menu" (their replies must go free, never paid, and come back with p99 < 1 s).
3. "paid, SIGKILL at half way + restart": a second paid broadcast to the same people; the
   bot is killed with SIGKILL once half have their message, then started again; nobody may
   be missed, at most the paid sends in flight at the kill (the profile's `paid_in_flight`)
   may go twice.

The Stars estimate is the product's own (`bot.broadcasts.service.paid_costs`, what the
officer's preview shows), beside the paid messages the fake server saw.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import signal
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import insert

from bench.broadcast import (
    FIRST_CHAT,
    LEASE,
    TOKEN,
    _now,
    _prepare,
    _start,
    fake_stats,
    percentile,
    statuses,
    stop,
    wait_until,
)

ROOT = Path(__file__).resolve().parent.parent
FREE_LIMIT = 30  # Telegram: about 30 messages/s across chats
PAID_LIMIT = 1000  # allow_paid_broadcast: up to 1,000 messages/s
RECIPIENTS = 20_000
FREE_RECIPIENTS = 1_000
KIND = "broadcast"  # the kind the profile sends paid (bot/channels/profiles.py)
INTERACTIVE_RATE = 5
INTERACTIVE_CHATS = 50
RATE_BAR, P99_BAR_MS = 0.95, 1000.0


# ---- the fake server: two limits ----------------------------------------------------------


def _paid_fake(paid_limit: float, free_limit: float):
    from tests.fake_telegram import FakeTelegram

    class PaidFake(FakeTelegram):
        """Sends with allow_paid_broadcast meet a limit of their own (they ignore the free
        one, as on Telegram); every other send meets the free limit."""

        def __init__(self) -> None:
            super().__init__(TOKEN, rate_per_second=free_limit, record=False)
            self.paid_times: deque[float] = deque()
            self.paid_ok = 0  # paid sends accepted (what Telegram would charge)
            self.paid_429 = 0
            self.paid_to_citizens = 0  # paid sends below FIRST_CHAT: replies, never paid

        def app(self):
            app = super().app()
            app.router.add_get("/_fake/paid", self._ctl_paid)
            return app

        def _rate_limited(self, method, payload, now):
            if not payload.get("allow_paid_broadcast"):
                return super()._rate_limited(method, payload, now)
            chat_id = payload.get("chat_id")
            if isinstance(chat_id, int) and chat_id < FIRST_CHAT:
                self.paid_to_citizens += 1
            times = self.paid_times
            while times and now - times[0] >= 1.0:
                times.popleft()
            if len(times) >= paid_limit:
                self.paid_429 += 1
                return self._error(429, "Too Many Requests: retry after 1", retry_after=1)
            times.append(now)
            self.paid_ok += 1
            return None

        async def _ctl_reset(self, request):
            self.paid_ok = self.paid_429 = self.paid_to_citizens = 0
            return await super()._ctl_reset(request)

        async def _ctl_paid(self, request):
            from aiohttp import web

            return web.json_response(
                {
                    "paid_ok": self.paid_ok,
                    "paid_429": self.paid_429,
                    "paid_to_citizens": self.paid_to_citizens,
                }
            )

    return PaidFake()


async def serve_fake(paid_limit: float, free_limit: float) -> None:
    fake = _paid_fake(paid_limit, free_limit)
    await fake.start(port=0)
    print(f"READY {fake.port}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


# ---- the bot process: config.toml as shipped, paid on or off -------------------------------


def bot_config(server: str, db_url: str, paid: bool, paid_rate: float):
    from bot import config as config_mod

    return config_mod.load(ROOT / "config.toml", environ={}).replace(
        database__url=db_url,
        channels__telegram__token=TOKEN,
        channels__telegram__api_base_url=f"{server}/bot",
        channels__telegram__api_file_url=f"{server}/file/bot",
        channels__telegram__poll_timeout_seconds=10,
        channels__telegram__paid_broadcast=paid,
        channels__telegram__paid_per_second=paid_rate,
        outbox__lease_seconds=LEASE,
        outbox__sweep_every_seconds=0.5,
        logging__level="WARNING",
    )


def shipped_paid_rate() -> float:
    from bot import config as config_mod

    return config_mod.load(ROOT / "config.toml", environ={}).channels.telegram.paid_per_second


async def serve(server: str, db_url: str, paid: bool, paid_rate: float) -> None:
    from bot import app
    from bot.channels.telegram import TelegramBot
    from bot.outbox import channels

    cfg = bot_config(server, db_url, paid, paid_rate)
    core = await app.start(cfg, upgrade=False)
    bot = TelegramBot(cfg, core)
    done = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, done.set)
    try:
        await bot.start()
        channels.register(bot.channel)
        print("READY", flush=True)
        await done.wait()
        await channels.unregister(bot.channel)
    finally:
        await bot.stop()
        await core.close()


# ---- the driver ---------------------------------------------------------------------------


def start_fake(paid_limit: float) -> tuple[Any, str]:
    cmd = [sys.executable, "-m", "bench.paid", "--fake", str(paid_limit), str(FREE_LIMIT)]
    proc, line = _start(cmd, "READY")
    port = re.fullmatch(r"READY (\d+)\s*", line)
    assert port is not None
    return proc, f"http://127.0.0.1:{port[1]}"


def start_bot(server: str, db_url: str, paid: bool, paid_rate: float):
    cmd = [sys.executable, "-m", "bench.paid", "--serve", server, db_url]
    cmd += [str(int(paid)), str(paid_rate)]
    proc, _line = _start(cmd, "READY")
    return proc


async def queue(db, user_ids: list[int], tag: str) -> None:
    """One outbox row of kind "broadcast" per recipient, as a broadcast queues them."""
    from bot.db.booking_models import OutboxMessage

    now = _now()
    rows = [
        dict(
            recipient_user_id=user_id,
            channel="telegram",
            chat_id=str(FIRST_CHAT + i),
            kind=KIND,
            text="Thông báo: buổi hỗ trợ số sáng mai tại phường Hoàn Kiếm tạm hoãn.",
            buttons=[[{"label": "🏠 Menu", "payload": "menu"}]],
            template=None,
            data=None,
            priority=90,
            due_at=now,
            status="pending",
            attempts=0,
            last_error=None,
            booking_id=None,
            dedupe_key=f"{KIND}:{tag}:{user_id}",
            created_at=now,
            sent_at=None,
        )
        for i, user_id in enumerate(user_ids)
    ]
    async with db.transaction() as session:
        await session.execute(insert(OutboxMessage), rows)


async def paid_counts(http, server) -> dict[str, int]:
    async with http.get(f"{server}/_fake/paid") as r:
        return await r.json()


async def _tagged(db, tag: str) -> dict[str, int]:
    from bench import broadcast

    saved, broadcast.KIND = broadcast.KIND, KIND
    try:
        return await statuses(db, tag)
    finally:
        broadcast.KIND = saved


async def _phase_send(http, server, db, db_url, user_ids, *, paid, rate, paid_rate, citizens):
    count, tag = len(user_ids), ("paid" if paid else "free")
    await http.post(f"{server}/_fake/reset")
    bot = start_bot(server, db_url, paid, paid_rate)
    writes = 0
    try:
        expected = count / rate
        await queue(db, user_ids, tag)
        if citizens:
            writes = max(1, int(expected * INTERACTIVE_RATE))
            feed = dict(
                count=writes,
                rate=INTERACTIVE_RATE,
                chats=INTERACTIVE_CHATS,
                text="/menu",
                first_chat=1000,
            )
            await http.post(f"{server}/_fake/feed", json=feed)
        await wait_until(http, server, lambda s: s["chats"] >= count, within=expected * 3 + 30)
        latencies: list[float] = []
        if writes:
            async with http.get(
                f"{server}/_fake/wait", params={"count": writes, "timeout": 30}
            ) as r:
                latencies = (await r.json())["latencies"]
        stats = await fake_stats(http, server)
        money = await paid_counts(http, server)
    finally:
        stop(bot)
    per_s = (stats["delivered"] - 1) / stats["span"] if stats["span"] else 0.0
    return {
        "run": "paid + citizens writing" if paid else "free",
        "recipients": count,
        "delivered": stats["chats"],
        "seconds": round(stats["span"], 1),
        "per_s": round(per_s, 1),
        "configured_per_s": rate,
        "of_rate": round(per_s / rate, 3),
        "too_many": stats["too_many"],
        "missed": count - stats["chats"],
        "repeated": stats["repeated"],
        "paid_sent": money["paid_ok"],
        "paid_to_citizens": money["paid_to_citizens"],
        "replies": len(latencies),
        "replies_expected": writes,
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "rows": await _tagged(db, tag),
    }


async def _phase_kill(http, server, db, db_url, user_ids, *, paid_rate):
    count = len(user_ids)
    await http.post(f"{server}/_fake/reset")
    bot = start_bot(server, db_url, True, paid_rate)
    began = time.monotonic()
    try:
        await queue(db, user_ids, "kill")
        at_kill = await wait_until(
            http, server, lambda s: s["chats"] >= count // 2, within=count / paid_rate * 3 + 30
        )
    finally:
        stop(bot, signal.SIGKILL)
    claimed = (await _tagged(db, "kill")).get("sending", 0)
    bot = start_bot(server, db_url, True, paid_rate)
    try:
        stats = await wait_until(
            http, server, lambda s: s["chats"] >= count, within=count / paid_rate * 3 + LEASE + 60
        )
        finished = time.monotonic() - began
        money = await paid_counts(http, server)
    finally:
        stop(bot)
    return {
        "run": "paid, SIGKILL at half way + restart",
        "recipients": count,
        "delivered": stats["chats"],
        "seconds": round(finished, 1),
        "killed_after": at_kill["chats"],
        "claimed_at_kill": claimed,
        "too_many": stats["too_many"],
        "missed": count - stats["chats"],
        "repeated": stats["repeated"],
        "paid_sent": money["paid_ok"],
        "rows": await _tagged(db, "kill"),
    }


async def _run(count: int, free_count: int, paid_limit: float, paid_rate: float) -> dict[str, Any]:
    from bot.broadcasts.service import paid_costs
    from bot.channels.profiles import profile
    from bot.db import Database, load_models

    load_models()
    cfg_free = bot_config("http://x", "sqlite+aiosqlite:///unused.db", False, paid_rate)
    cfg_paid = bot_config("http://x", "sqlite+aiosqlite:///unused.db", True, paid_rate)
    tg = profile(cfg_free, "telegram")
    free_rate = tg.per_second * (1 - cfg_free.rate_limits.interactive_headroom)
    fake, server = start_fake(paid_limit)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            db = Database(db_url)
            try:
                user_ids = await _prepare(db, max(count, free_count))
                async with aiohttp.ClientSession() as http:
                    free = await _phase_send(
                        http, server, db, db_url, user_ids[:free_count],
                        paid=False, rate=free_rate, paid_rate=paid_rate, citizens=False,
                    )  # fmt: skip
                    paid = await _phase_send(
                        http, server, db, db_url, user_ids[:count],
                        paid=True, rate=paid_rate, paid_rate=paid_rate, citizens=True,
                    )  # fmt: skip
                    killed = await _phase_kill(
                        http, server, db, db_url, user_ids[:count], paid_rate=paid_rate
                    )
            finally:
                await db.close()
    finally:
        stop(fake, signal.SIGINT)
    [cost] = paid_costs({"telegram": count}, cfg_paid)
    return {
        "benchmark": "paid broadcast",
        "store": "sqlite",
        "free_limit_per_s": FREE_LIMIT,
        "paid_limit_per_s": paid_limit,
        "free_configured_per_s": free_rate,
        "recipients": count,
        "stars_estimate": cost.stars,
        "paid_in_flight": profile(cfg_paid, "telegram").paid_in_flight,
        "free_per_s_for_count_s": round(count / free["per_s"], 1) if free["per_s"] else None,
        "load": round(os.getloadavg()[0], 2),
        "rows": [free, paid, killed],
    }


def table(result: dict[str, Any]) -> str:
    free, paid, killed = result["rows"]
    n = result["recipients"]
    ok = {True: "met", False: "NOT met"}
    derived = result["free_per_s_for_count_s"]
    bound = result["paid_in_flight"]
    lines = [
        f"Fake Bot API: {result['free_limit_per_s']} messages/s free, "
        f"{result['paid_limit_per_s']:g}/s with allow_paid_broadcast (429 above either); "
        f"config.toml as shipped (free outbox {result['free_configured_per_s']:g}/s); "
        f"SQLite; load {result['load']}.",
        "",
        "| run | recipients | delivered | seconds | messages/s | of configured | 429s | "
        "missed | sent twice | sent paid | reply p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in (free, paid):
        lines.append(
            f"| {row['run']} | {row['recipients']} | {row['delivered']} | {row['seconds']} | "
            f"{row['per_s']} | {row['of_rate']:.1%} of {row['configured_per_s']:g}/s | "
            f"{row['too_many']} | {row['missed']} | {row['repeated']} | {row['paid_sent']} | "
            + (f"{row['p99_ms']} ({row['replies']}/{row['replies_expected']}) |" if row["replies_expected"] else "– |")
        )  # fmt: skip
    lines += [
        f"| {killed['run']} (killed after {killed['killed_after']}) | {killed['recipients']} "
        f"| {killed['delivered']} | {killed['seconds']} | – | – | {killed['too_many']} | "
        f"{killed['missed']} | {killed['repeated']} | {killed['paid_sent']} | – |",
        "",
        f"- {n} recipients: paid {paid['seconds']} s at {paid['per_s']}/s; free at the measured "
        f"{free['per_s']}/s would take {derived} s ({(derived or 0) / 60:.1f} min; derived from "
        f"the {free['recipients']}-recipient free row)",
        f"- Stars: the preview's estimate for {n} people is {result['stars_estimate']} Stars "
        f"(0.1 each, rounded up); the fake server accepted {paid['paid_sent']} paid messages "
        f"({paid['paid_sent'] / 10:g} Stars) in the paid row",
        f"- paid rate {paid['of_rate']:.1%} of {paid['configured_per_s']:g}/s "
        f"(bar ≥ {RATE_BAR:.0%}: {ok[paid['of_rate'] >= RATE_BAR]}); 429s: "
        f"{free['too_many'] + paid['too_many'] + killed['too_many']} (bar 0)",
        f"- replies during the paid broadcast: p99 {paid['p99_ms']} ms, sent paid "
        f"{paid['paid_to_citizens']} (bar < {P99_BAR_MS:g} ms and 0: "
        f"{ok[paid['p99_ms'] < P99_BAR_MS and paid['paid_to_citizens'] == 0]})",
        f"- SIGKILL + restart: missed {killed['missed']}, sent twice {killed['repeated']}, "
        f"rows claimed at the kill {killed['claimed_at_kill']} (bar: none missed, at most "
        f"the {bound} paid sends in flight twice: "
        f"{ok[killed['missed'] == 0 and killed['repeated'] <= bound]})",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--fake"]:
        try:
            asyncio.run(serve_fake(float(argv[1]), float(argv[2])))
        except KeyboardInterrupt:
            pass
        return 0
    if argv[:1] == ["--serve"]:
        logging.basicConfig(level=logging.WARNING)
        asyncio.run(serve(argv[1], argv[2], argv[3] == "1", float(argv[4])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=RECIPIENTS)
    parser.add_argument("--free-recipients", type=int, default=FREE_RECIPIENTS)
    parser.add_argument(
        "--paid-limit", type=float, default=PAID_LIMIT, help="the fake server's paid limit"
    )
    parser.add_argument(
        "--paid-rate",
        type=float,
        default=None,
        help="the bot's paid_per_second (default: config.toml's, 950)",
    )
    args = parser.parse_args(argv)
    paid_rate = args.paid_rate or shipped_paid_rate()
    result = asyncio.run(_run(args.recipients, args.free_recipients, args.paid_limit, paid_rate))
    for row in result["rows"]:
        print(json.dumps(row, ensure_ascii=False))
    print()
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
