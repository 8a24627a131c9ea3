"""The broadcast benchmark: a 10,000-recipient broadcast through the outbox, against the fake
Bot API server enforcing a global rate limit (429 above it), while citizens write to the bot.

    from bench.broadcast import run_broadcast_bench
    rows = run_broadcast_bench()             # or: python -m bench.broadcast [RECIPIENTS]

Scaled so a run is short: the fake server allows LIMIT = 300 messages/s across chats
(Telegram: about 30); the bot is configured with `channels.telegram.per_second` = LIMIT and
`interactive_headroom` = HEADROOM = 0.05, so its outbox sends at 285/s, 10,000 messages in
35 s (in production 25 × 0.8 = 20/s, 10,000 messages in about 8 minutes). The bot is the real one: our
PTB Application polling the fake server, the core, the sweeper, SQLite — in a process of its
own, so it can be killed.

1. "broadcast + citizens": the broadcast is queued while INTERACTIVE_RATE citizens a second
   write "/menu"; measured at the fake server: messages/s from the first to the last message
   of the broadcast (bar ≥ 95 % of 285/s), 429 answers (bar: none), recipients missed or sent
   twice (bar: none), and the citizens' reply times (bar: p99 < 1 s).
2. "SIGKILL at half way + restart": a second broadcast; the bot process is killed with
   SIGKILL once half the recipients have their message, then started again; it must finish
   with no recipient missed and at most the messages in flight at the kill sent twice (at most
   `outbox.max_in_flight`; the rows still claimed at the kill wait for their lease, LEASE s).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token-for-the-fake-bot-api"
RECIPIENTS = 10_000
# BENCH_BROADCAST_LIMIT=500 runs it at 500/s (475/s configured): measured at 95.3 % of 475/s
# on 2 shared CPUs (load average 2), just over the bar; 300 leaves room on a busy machine.
LIMIT = int(os.environ.get("BENCH_BROADCAST_LIMIT", "300"))
RATE = LIMIT
HEADROOM = 0.05
IN_FLIGHT = 8
LEASE = 10
FIRST_CHAT = 10_000_000
INTERACTIVE_RATE = 5
INTERACTIVE_CHATS = 50
KIND = "bench_broadcast"
RATE_BAR, P99_BAR_MS = 0.95, 1000.0


def configured_rate() -> float:
    return RATE * (1 - HEADROOM)


# ---- the bot process --------------------------------------------------------------------


def bot_config(server: str, db_url: str):
    from bot import config as config_mod

    return config_mod.load(ROOT / "config.toml", environ={}).replace(
        database__url=db_url,
        channels__telegram__token=TOKEN,
        channels__telegram__api_base_url=f"{server}/bot",
        channels__telegram__api_file_url=f"{server}/file/bot",
        channels__telegram__poll_timeout_seconds=10,
        channels__telegram__per_second=float(RATE),
        rate_limits__interactive_headroom=HEADROOM,
        outbox__max_in_flight=IN_FLIGHT,
        outbox__lease_seconds=LEASE,
        outbox__sweep_every_seconds=0.5,
        logging__level="WARNING",
    )


async def serve(server: str, db_url: str) -> None:
    """Our bot, as `trolyso run` runs it on Telegram, with the outbox sending through it."""
    from bot import app
    from bot.channels.telegram import TelegramBot
    from bot.outbox import channels

    cfg = bot_config(server, db_url)
    core = await app.start(cfg, upgrade=False)
    bot = TelegramBot(cfg, core)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await bot.start()
        channels.register(bot.channel)
        print("READY", flush=True)
        await stop.wait()
        await channels.unregister(bot.channel)
    finally:
        await bot.stop()
        await core.close()


# ---- the driver -------------------------------------------------------------------------


def _start(cmd: list[str], ready: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    if not line.startswith(ready):
        proc.kill()
        raise RuntimeError(f"bench: {cmd[2]} did not start ({line!r})")
    return proc, line


def start_fake() -> tuple[subprocess.Popen, str]:
    proc, line = _start(
        [sys.executable, "-m", "tests.fake_telegram", "--port", "0", "--rate-limit", str(LIMIT)],
        "READY",
    )
    port = re.fullmatch(r"READY (\d+)\s*", line)
    return proc, f"http://127.0.0.1:{port[1]}"


def start_bot(server: str, db_url: str) -> subprocess.Popen:
    proc, _line = _start(
        [sys.executable, "-m", "bench.broadcast", "--serve", server, db_url], "READY"
    )
    return proc


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def _prepare(db, count: int) -> list[int]:
    """Migrate, and the recipients: users who once wrote to the bot (ids in order)."""
    from bot.db.models import User

    await db.upgrade()
    now = _now()
    async with db.transaction() as session:
        ids = (
            await session.scalars(
                insert(User).returning(User.id),
                [
                    dict(
                        channel="telegram",
                        external_id=str(FIRST_CHAT + i),
                        locale="vi",
                        created_at=now,
                        last_seen_at=now,
                    )
                    for i in range(count)
                ],
            )
        ).all()
    return list(ids)


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


async def queue_broadcast(db, user_ids: list[int], tag: str) -> float:
    """One outbox row per recipient, as a broadcast queues them; the seconds it took."""
    from bot.db.booking_models import OutboxMessage

    began, now = time.perf_counter(), _now()
    rows = [
        dict(
            recipient_user_id=user_id,
            channel="telegram",
            chat_id=str(FIRST_CHAT + i),
            kind=KIND,
            text="Thông báo: điểm hỗ trợ số phường Hoàn Kiếm mở thêm buổi sáng thứ Bảy.",
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
    return time.perf_counter() - began


async def statuses(db, tag: str) -> dict[str, int]:
    from bot.db.booking_models import OutboxMessage

    async with db.transaction() as session:
        found = await session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.dedupe_key.like(f"{KIND}:{tag}:%"))
            .group_by(OutboxMessage.status)
        )
        return dict(found.all())


async def fake_stats(http: aiohttp.ClientSession, server: str) -> dict[str, Any]:
    async with http.get(f"{server}/_fake/stats", params={"min_chat": FIRST_CHAT}) as r:
        return await r.json()


async def wait_until(http, server, done, *, within: float) -> dict[str, Any]:
    """Poll the fake server's counts until `done(stats)` or `within` seconds passed."""
    deadline = time.monotonic() + within
    while True:
        stats = await fake_stats(http, server)
        if done(stats) or time.monotonic() > deadline:
            return stats
        await asyncio.sleep(0.2)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def _phase_live(http, server, db, db_url, user_ids) -> dict[str, Any]:
    """A broadcast while citizens write; rate, 429s, recipients, reply times."""
    count = len(user_ids)
    bot = start_bot(server, db_url)
    try:
        await http.post(f"{server}/_fake/reset")
        expected = count / configured_rate()
        writes = int(expected * INTERACTIVE_RATE)
        await queue_broadcast(db, user_ids, "live")
        await http.post(
            f"{server}/_fake/feed",
            json={
                "count": writes,
                "rate": INTERACTIVE_RATE,
                "chats": INTERACTIVE_CHATS,
                "text": "/menu",
                "first_chat": 1000,
            },
        )
        stats = await wait_until(
            http, server, lambda s: s["chats"] >= count, within=expected * 3 + 30
        )
        async with http.get(f"{server}/_fake/wait", params={"count": writes, "timeout": 30}) as r:
            replies = await r.json()
        stats = await fake_stats(http, server)
    finally:
        stop(bot)
    latencies = replies["latencies"]
    per_s = (stats["delivered"] - 1) / stats["span"] if stats["span"] else 0.0
    return {
        "run": "broadcast + citizens writing",
        "recipients": count,
        "delivered": stats["chats"],
        "seconds": round(stats["span"], 1),
        "per_s": round(per_s, 1),
        "of_rate": round(per_s / configured_rate(), 3),
        "too_many": stats["too_many"],
        "missed": count - stats["chats"],
        "repeated": stats["repeated"],
        "replies": len(latencies),
        "replies_expected": writes,
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "rows": await statuses(db, "live"),
    }


async def _phase_kill(http, server, db, db_url, user_ids) -> dict[str, Any]:
    """A broadcast whose bot is SIGKILLed at half way and started again."""
    count = len(user_ids)
    await http.post(f"{server}/_fake/reset")
    bot = start_bot(server, db_url)
    began = time.monotonic()
    try:
        await queue_broadcast(db, user_ids, "kill")
        at_kill = await wait_until(
            http,
            server,
            lambda s: s["chats"] >= count // 2,
            within=count / configured_rate() * 3 + 30,
        )
    finally:
        stop(bot, signal.SIGKILL)
    rows_at_kill = await statuses(db, "kill")
    bot = start_bot(server, db_url)
    try:
        stats = await wait_until(
            http,
            server,
            lambda s: s["chats"] >= count,
            within=count / configured_rate() * 3 + LEASE + 60,
        )
        finished = time.monotonic() - began
    finally:
        stop(bot)
    return {
        "run": "SIGKILL at half way + restart",
        "recipients": count,
        "delivered": stats["chats"],
        "seconds": round(finished, 1),
        "killed_after": at_kill["chats"],
        "in_flight_bound": IN_FLIGHT,
        "claimed_at_kill": rows_at_kill.get("sending", 0),
        "too_many": stats["too_many"],
        "missed": count - stats["chats"],
        "repeated": stats["repeated"],
        "rows": await statuses(db, "kill"),
    }


async def _run(count: int) -> list[dict[str, Any]]:
    from bot.db import Database, load_models

    load_models()
    fake, server = start_fake()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            db = Database(db_url)
            try:
                user_ids = await _prepare(db, count)
                async with aiohttp.ClientSession() as http:
                    live = await _phase_live(http, server, db, db_url, user_ids)
                    killed = await _phase_kill(http, server, db, db_url, user_ids)
            finally:
                await db.close()
    finally:
        stop(fake, signal.SIGINT)
    common = {
        "benchmark": "broadcast",
        "store": "sqlite",
        "server_limit_per_s": LIMIT,
        "configured_per_s": configured_rate(),
        "load": round(os.getloadavg()[0], 2),
    }
    return [{**common, **live}, {**common, **killed}]


def run_broadcast_bench(count: int = RECIPIENTS) -> list[dict[str, Any]]:
    """The two rows described above; runs its own event loop (call from plain code)."""
    return asyncio.run(_run(count))


def table(rows: list[dict[str, Any]]) -> str:
    live, killed = rows
    ok = {True: "met", False: "NOT met"}
    lines = [
        f"Fake Bot API limit {LIMIT} messages/s (429 above it); outbox configured at "
        f"{configured_rate():g}/s ({RATE}/s less {HEADROOM:.0%} kept for replies); SQLite; "
        f"{IN_FLIGHT} in flight; lease {LEASE} s.",
        "",
        "| run | recipients | delivered | seconds | messages/s | of configured | 429s | "
        "missed | sent twice | replies | reply p50 ms | reply p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {live['run']} | {live['recipients']} | {live['delivered']} | {live['seconds']} | "
        f"{live['per_s']} | {live['of_rate']:.1%} | {live['too_many']} | {live['missed']} | "
        f"{live['repeated']} | {live['replies']}/{live['replies_expected']} | "
        f"{live['p50_ms']} | {live['p99_ms']} |",
        f"| {killed['run']} (killed after {killed['killed_after']}) | {killed['recipients']} | "
        f"{killed['delivered']} | {killed['seconds']} | – | – | {killed['too_many']} | "
        f"{killed['missed']} | {killed['repeated']} | – | – | – |",
        "",
        f"- rate: {live['of_rate']:.1%} of {configured_rate():g}/s "
        f"(bar ≥ {RATE_BAR:.0%}: {ok[live['of_rate'] >= RATE_BAR]}); 429 answers: "
        f"{live['too_many'] + killed['too_many']} (bar 0: "
        f"{ok[live['too_many'] + killed['too_many'] == 0]})",
        f"- every recipient exactly once: missed {live['missed']}, twice {live['repeated']} "
        f"({ok[live['missed'] == 0 and live['repeated'] == 0]})",
        f"- citizens' replies during the broadcast: p99 {live['p99_ms']} ms "
        f"(bar < {P99_BAR_MS:g} ms: {ok[live['p99_ms'] < P99_BAR_MS and live['replies'] == live['replies_expected']]})",
        f"- SIGKILL + restart: missed {killed['missed']}, sent twice {killed['repeated']} "
        f"(bar: none missed, at most the {IN_FLIGHT} in flight: "
        f"{ok[killed['missed'] == 0 and killed['repeated'] <= IN_FLIGHT]}); rows still "
        f"claimed at the kill: {killed['claimed_at_kill']}",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        logging.basicConfig(level=logging.WARNING)
        asyncio.run(serve(argv[1], argv[2]))
        return 0
    count = int(argv[0]) if argv else RECIPIENTS
    rows = run_broadcast_bench(count)
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
