"""One benchmark run in its own process: start a bot, have the fake server feed it, report.

    python -m bench.bots --bot ours|ours-memory-core|echo-httpx|echo-aiohttp \
        --server http://127.0.0.1:PORT --count N --chats C [--rate R] [--warmup W]

Prints one JSON line: replies received, the span they took, and every latency in seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import time as time_of_day
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token-for-the-fake-bot-api"


class MemoryCore:
    """Stands in for the core to measure the channel alone: answers every message with the
    reply the real core gave to the first one (no database, no router)."""

    def __init__(self, core):
        self.core = core
        self.reply = None

    def __getattr__(self, name: str):
        return getattr(self.core, name)  # services, config, ... as the real core has them

    async def handle(self, msg):
        if self.reply is None:
            self.reply = await self.core.handle(msg)
        return self.reply


@asynccontextmanager
async def our_bot(server: str, memory_core: bool = False) -> AsyncIterator[None]:
    """The whole bot: aiohttp transport, per-chat order, router, core, SQLite in a temp dir."""
    from bot import app
    from bot import config as config_mod
    from bot.channels.telegram import TelegramBot

    with tempfile.TemporaryDirectory() as tmp:
        cfg = config_mod.load(ROOT / "config.toml", environ={}).replace(
            database__url=f"sqlite+aiosqlite:///{tmp}/bench.db",
            channels__telegram__token=TOKEN,
            channels__telegram__api_base_url=f"{server}/bot",
            channels__telegram__api_file_url=f"{server}/file/bot",
            channels__telegram__poll_timeout_seconds=10,
        )
        core = await app.start(cfg)
        bot = TelegramBot(cfg, core)
        if memory_core:
            bot.channel.core = MemoryCore(core)
        try:
            await bot.start()
            yield
        finally:
            await bot.stop()
            await core.close()


MIX_UNITS = 20  # the first communes and wards of content/places/units.toml, two points each
MIX_OFFICERS = 20


def mix_places(units):
    """Two points in each of the first MIX_UNITS units, open every day 08:00–11:00 in slots of
    30 minutes with seats enough that nobody is turned away (what is measured is the dialog,
    not a full slot); the real points files have a few seats a slot and only on some days."""
    from bot.points.model import Places, Point, RegularSession

    chosen = list(units.values())[:MIX_UNITS]
    points = {}
    for unit in chosen:
        for n in (1, 2):
            points[f"{unit.id}-bench-{n}"] = Point(
                id=f"{unit.id}-bench-{n}",
                unit=unit.id,
                name=f"Điểm hỗ trợ {n} ({unit.name})",
                address=f"Số {n} phố Bench, Hà Nội",
                lat=21.03,
                lon=105.85,
                accessibility="",
                regular=(
                    RegularSession(
                        weekdays=tuple(range(7)),
                        start=time_of_day(8),
                        end=time_of_day(11),
                        slot_minutes=30,
                        seats_per_slot=5000,
                        priority_seats=0,
                    ),
                ),
                one_off=(),
                closed=(),
                sample=True,
            )
    by_unit = {u.id: tuple(p for p in points.values() if p.unit == u.id) for u in units.values()}
    return Places(units=units, points=points, by_unit=by_unit), [u.name for u in chosen]


async def _await_dense(core, seconds: float = 900) -> bool:
    """Wait for the search's dense retriever (vectors embedded once, then read from disk), so
    the questions are answered the way the running bot answers them."""
    from bot.search import dense

    try:
        dense.model()
    except Exception:
        return False  # not installed: the bot answers with the lexical search alone
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if getattr(core.services.get("search"), "dense", None) is not None:
            return True
        await asyncio.sleep(0.5)
    return False


@asynccontextmanager
async def mix_bot(server: str, database_url: str = "") -> AsyncIterator[dict]:
    """Our whole bot, with the mixed workload's support points and officers."""
    from bench import mix
    from bot import app
    from bot import config as config_mod
    from bot.booking import jobs
    from bot.channels.telegram import TelegramBot

    with tempfile.TemporaryDirectory() as tmp:
        officers = tuple(
            f"telegram:{mix.FIRST_OFFICER + n}:{u}"
            for n, u in zip(range(MIX_OFFICERS), _unit_ids()[:MIX_UNITS] * 2, strict=False)
        )
        cfg = config_mod.load(ROOT / "config.toml", environ={}).replace(
            database__url=database_url or f"sqlite+aiosqlite:///{tmp}/bench.db",
            channels__telegram__token=TOKEN,
            channels__telegram__api_base_url=f"{server}/bot",
            channels__telegram__api_file_url=f"{server}/file/bot",
            channels__telegram__poll_timeout_seconds=10,
            officers__officers=officers,
        )
        core = await app.start(cfg)
        places, wards = mix_places(core.services["places"].units)
        core.services["places"] = places
        await jobs.materialise_sessions(core)
        dense_ready = await _await_dense(core)
        bot = TelegramBot(cfg, core)
        try:
            await bot.start()
            yield {"wards": wards, "dense": dense_ready}
        finally:
            await bot.stop()
            await core.close()


def _unit_ids() -> list[str]:
    import tomllib

    data = tomllib.loads((ROOT / "content" / "places" / "units.toml").read_text())
    return [u["id"] for u in data["units"]]


async def run_mix(args: argparse.Namespace) -> dict:
    from bench import mix

    async with aiohttp.ClientSession() as http, mix_bot(args.server) as about:
        spec = {
            "scripts": mix.scripts(args.chats, MIX_OFFICERS, about["wards"]),
            "rate": args.rate,
            "count": args.count,
        }
        async with http.post(f"{args.server}/_fake/reset") as r:
            r.raise_for_status()
        profile = cProfile.Profile(time.thread_time) if args.profile else None
        cpu = time.process_time()
        if profile:
            profile.enable()
        async with http.post(f"{args.server}/_fake/mix", json=spec) as r:
            r.raise_for_status()
        async with http.get(
            f"{args.server}/_fake/mix_wait",
            params={"timeout": args.limit},
            timeout=aiohttp.ClientTimeout(total=args.limit + 10),
        ) as r:
            result = await r.json()
        if profile:
            profile.disable()
            profile.dump_stats(args.profile)
        result["cpu"] = time.process_time() - cpu
        result["rss_mb"] = _rss_mb()
        result["dense"] = about["dense"]
        return result


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@asynccontextmanager
async def echo_bot(server: str, transport: str, concurrent: bool) -> AsyncIterator[None]:
    """A bare PTB echo bot: PTB's defaults unless told otherwise."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(update.message.text)

    builder = ApplicationBuilder().token(TOKEN).base_url(f"{server}/bot")
    if transport == "aiohttp":
        from bot.channels.aiohttp_request import AiohttpRequest

        builder = builder.request(AiohttpRequest(64)).get_updates_request(AiohttpRequest(1))
    if concurrent:
        builder = builder.concurrent_updates(True)
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=10)
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


def the_bot(name: str, server: str):
    if name in ("ours", "ours-memory-core"):
        return our_bot(server, memory_core=name == "ours-memory-core")
    transport = "aiohttp" if name == "echo-aiohttp" else "httpx"
    return echo_bot(server, transport, concurrent=name.endswith("-concurrent"))


async def feed_and_wait(
    http: aiohttp.ClientSession,
    server: str,
    count: int,
    chats: int,
    rate: float,
    text: str,
    limit: float,
) -> dict:
    async with http.post(f"{server}/_fake/reset") as r:
        r.raise_for_status()
    spec = {"count": count, "chats": chats, "rate": rate, "text": text}
    async with http.post(f"{server}/_fake/feed", json=spec) as r:
        r.raise_for_status()
    async with http.get(
        f"{server}/_fake/wait",
        params={"count": count, "timeout": limit},
        timeout=aiohttp.ClientTimeout(total=limit + 10),
    ) as r:
        return await r.json()


async def run(args: argparse.Namespace) -> dict:
    if args.bot == "ours-mix":
        return await run_mix(args)
    text = "/menu" if args.bot.startswith("ours") else "hello"
    async with aiohttp.ClientSession() as http, the_bot(args.bot, args.server):
        if args.warmup:
            await feed_and_wait(http, args.server, args.warmup, args.chats, 0, text, 60)
        profile = cProfile.Profile(time.thread_time) if args.profile else None
        cpu = time.process_time()
        if profile:
            profile.enable()
        result = await feed_and_wait(
            http, args.server, args.count, args.chats, args.rate, text, args.limit
        )
        if profile:
            profile.disable()
            profile.dump_stats(args.profile)
        result["cpu"] = time.process_time() - cpu
        result["rss_mb"] = _rss_mb()
        return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--bot",
        required=True,
        choices=[
            "ours",
            "ours-memory-core",
            "ours-mix",
            "echo-httpx",
            "echo-aiohttp",
            "echo-httpx-concurrent",
        ],
    )
    parser.add_argument("--server", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--rate", type=float, default=0, help="updates/s; 0: all at once")
    parser.add_argument("--warmup", type=int, default=0)
    parser.add_argument("--limit", type=float, default=60, help="give up after this many s")
    parser.add_argument(
        "--profile", metavar="FILE", help="write cProfile stats of the measured part to FILE"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(json.dumps(asyncio.run(run(args))))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
