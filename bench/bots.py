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
            point_id = f"{unit.id[:18]}-b{n}"  # 24 characters at most
            points[point_id] = Point(
                id=point_id,
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


WEBHOOK_SECRET = "bench-webhook-secret"


@asynccontextmanager
async def mix_bot(
    server: str, database_url: str = "", webhook: bool = False
) -> AsyncIterator[dict]:
    """Our whole bot, with the mixed workload's support points and officers; polling, or
    (`webhook`) serving a webhook on a free port of 127.0.0.1."""
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
            webhook__listen_host="127.0.0.1",
            webhook__secret_token=WEBHOOK_SECRET,
            webhook__public_url="",
            web__public_url="",
        )
        core = await app.start(cfg)
        statements = time_statements(core.db.engine) if not core.db.is_sqlite else None
        places, wards = mix_places(core.services["places"].units)
        core.services["places"] = places
        await jobs.materialise_sessions(core)
        dense_ready = await _await_dense(core)
        bot = TelegramBot(cfg, core, webhook=webhook, listen_port=0)
        try:
            await bot.start()
            yield {
                "wards": wards,
                "dense": dense_ready,
                "webhook": f"http://127.0.0.1:{bot.server.port}{cfg.webhook.path}"
                if bot.server
                else None,
                "statements": statements,
            }
        finally:
            await bot.stop()
            await core.close()


def _unit_ids() -> list[str]:
    import tomllib

    data = tomllib.loads((ROOT / "content" / "places" / "units.toml").read_text())
    return [u["id"] for u in data["units"]]


def time_statements(engine) -> dict[str, list[float]]:
    """Statement text → [times run, seconds], timed around the driver's execute (on
    PostgreSQL: the round trip to the server, its own work included). pg_stat_statements
    would give the server's time alone, but it must be preloaded when the server starts."""
    from sqlalchemy import event

    stats: dict[str, list[float]] = {}

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):
        took = time.perf_counter() - conn.info["bench_started"].pop()
        entry = stats.setdefault(" ".join(statement.split()), [0, 0.0])
        entry[0] += 1
        entry[1] += took

    return stats


class Database:
    """A PostgreSQL database of its own for one run (so the server's statistics for it are
    this run's alone), dropped after; `active_ms()`: the server's time spent running this
    database's statements so far (pg_stat_database.active_time, PostgreSQL 14+)."""

    def __init__(self, url: str):
        import uuid

        base = url.split("?", 1)[0]
        self.dsn = base.replace("postgresql+asyncpg://", "postgresql://", 1)
        self.name = "bench_" + uuid.uuid4().hex[:10]
        self.url = base.rsplit("/", 1)[0] + "/" + self.name

    async def _admin(self):
        import asyncpg

        return await asyncpg.connect(self.dsn)

    async def __aenter__(self) -> Database:
        conn = await self._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await conn.close()
        return self

    async def __aexit__(self, *exc) -> None:
        conn = await self._admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await conn.close()

    async def active_ms(self) -> float | None:
        await asyncio.sleep(1.5)  # backends report their statistics about once a second
        conn = await self._admin()
        try:
            await conn.execute("SELECT pg_stat_clear_snapshot()")
            value = await conn.fetchval(
                "SELECT active_time FROM pg_stat_database WHERE datname = $1", self.name
            )
        except Exception:  # before PostgreSQL 14: no active_time
            return None
        finally:
            await conn.close()
        return None if value is None else float(value)


async def _second_process(args: argparse.Namespace, url: str):
    """Another bot process on the same database, serving a webhook: (process, its URL)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.bots",
        "--bot",
        "serve-webhook",
        "--server",
        args.server,
        "--count",
        "0",
        "--database",
        url,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = (await proc.stdout.readline()).decode().split()
    if len(line) != 2 or line[0] != "READY":
        proc.kill()
        raise SystemExit(f"bench: the second bot process did not start ({line!r})")
    return proc, line[1]


async def serve_webhook(args: argparse.Namespace) -> dict:
    """The second process of a two-process run: serve until told to stop on stdin."""
    async with mix_bot(args.server, args.database, webhook=True) as about:
        print(f"READY {about['webhook']}", flush=True)
        cpu = time.process_time()
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        return {
            "cpu": time.process_time() - cpu,
            "rss_mb": _rss_mb(),
            "statements": about["statements"],
        }


async def run_mix(args: argparse.Namespace) -> dict:
    if args.database:
        async with Database(args.database) as db:
            return await _run_mix(args, db.url, db)
    return await _run_mix(args, "")


async def _run_mix(args: argparse.Namespace, url: str, db: Database | None = None) -> dict:
    from bench import mix

    webhook = args.processes > 1 or bool(url)
    async with (
        aiohttp.ClientSession() as http,
        mix_bot(args.server, url, webhook=webhook) as about,
    ):
        others = [await _second_process(args, url) for _ in range(args.processes - 1)]
        spec = {
            "scripts": mix.scripts(args.chats, MIX_OFFICERS, about["wards"]),
            "rate": args.rate,
            "count": args.count,
        }
        if webhook:
            spec["webhooks"] = [about["webhook"], *(hook for _, hook in others)]
            spec["secret"] = WEBHOOK_SECRET
        async with http.post(f"{args.server}/_fake/reset") as r:
            r.raise_for_status()
        active = await db.active_ms() if db else None
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
        statements = about["statements"]
        for proc, _hook in others:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(b"stop\n")
            await proc.stdin.drain()
            other = json.loads((await proc.stdout.read()).decode().strip().splitlines()[-1])
            await proc.wait()
            result["cpu"] += other["cpu"]
            result["rss_mb"] = max(result["rss_mb"], other["rss_mb"])
            for text, (n, seconds) in (other["statements"] or {}).items():
                entry = statements.setdefault(text, [0, 0.0])
                entry[0] += n
                entry[1] += seconds
        if db is not None and active is not None:
            after = await db.active_ms()
            if after is not None:
                result["db_seconds"] = (after - active) / 1000
        if statements is not None:
            top = sorted(statements.items(), key=lambda kv: -kv[1][1])[:8]
            result["statements"] = [[text[:90], n, seconds] for text, (n, seconds) in top]
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
    if args.bot == "serve-webhook":
        return await serve_webhook(args)
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
            "serve-webhook",
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
        "--database", default="", help="ours-mix: a PostgreSQL URL (a schema of its own)"
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="ours-mix: bot processes (webhooks)"
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="write cProfile stats of the measured part to FILE"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(json.dumps(asyncio.run(run(args))))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
