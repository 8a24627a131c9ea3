"""The Zalo exchange: a signed webhook event in → the consultation message out.

    python -m bench.zalo [--count N] [--users U] [--rate R] [--rounds K]

The fake Zalo server (tests/fake_zalo.py) runs in a process of its own and plays Zalo: it
posts signed `user_send_text` events ("/menu") to the bot's webhook and times each until its
first answer reaches it. The bot runs here: the real core on SQLite, the Zalo channel
(signature check, duplicate check in the database, per-user order, rendering within 5
buttons, the OA API client with its token from the database). Rows: all events at once
(throughput), then a steady rate. Medians over rounds, with the range; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _start_fake() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_zalo", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    match = re.fullmatch(r"READY (\d+)\s*", line)
    if not match:
        proc.kill()
        raise SystemExit(f"bench.zalo: the fake Zalo server did not start ({line!r})")
    return proc, f"http://127.0.0.1:{match[1]}"


async def _run(fake_url: str, rows: list[tuple[str, int, float]], users: int, rounds: int):
    from bot import app
    from bot import config as config_mod
    from bot.channels.zalo import oauth
    from bot.channels.zalo.runtime import ZaloChannel
    from tests.zalo_harness import settings_for

    results: dict[str, list[dict]] = {label: [] for label, _, _ in rows}
    with tempfile.TemporaryDirectory() as tmp:
        cfg = config_mod.load(ROOT / "config.toml", environ={}).replace(
            database__url=f"sqlite+aiosqlite:///{tmp}/bench.db"
        )
        core = await app.start(cfg)
        settings = settings_for(fake_url)
        async with aiohttp.ClientSession() as session, aiohttp.ClientSession() as control:
            channel = ZaloChannel(core, settings, session)
            verifier, challenge = oauth.pkce_pair()
            await channel.tokens.begin_authorisation(verifier, "bench")
            url = oauth.permission_url(settings, challenge, "bench")
            async with control.post(f"{fake_url}/_fake/grant", json={"url": url}) as r:
                code = (await r.json())["code"]
            await channel.tokens.finish_authorisation(code)
            runner = web.AppRunner(channel.webhook.web_app(), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]
            webhook = f"http://127.0.0.1:{port}{settings.webhook_path}"

            async def feed(count: int, rate: float) -> dict:
                spec = {"webhook": webhook, "count": count, "users": users, "rate": rate}
                async with control.post(
                    f"{fake_url}/_fake/feed", json={**spec, "text": "/menu"}
                ) as r:
                    result = await r.json()
                await channel.webhook.drain()
                return result

            await feed(users, 0)  # every user writes once first: new users are not measured
            for _ in range(rounds):
                for label, count, rate in rows:
                    results[label].append(await feed(count, rate))
            await runner.cleanup()
        await core.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.zalo")
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rows = [
        (f"Zalo: {args.count} events at once, {args.users} users", args.count, 0.0),
        (f"Zalo: steady {args.rate:g} events/s, {args.users} users", args.count, args.rate),
    ]
    proc, url = _start_fake()
    try:
        results = asyncio.run(_run(url, rows, args.users, args.rounds))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"\nZalo exchange (signed webhook in → consultation message out), {args.rounds} rounds")
    print("| row | answered | answers/s | p50 ms | p99 ms | errors |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, count, _ in rows:
        runs = results[label]
        rates = [r["answered"] / r["span"] for r in runs if r["span"] > 0]
        p50 = [_percentile(r["latencies"], 0.5) * 1000 for r in runs if r["latencies"]]
        p99 = [_percentile(r["latencies"], 0.99) * 1000 for r in runs if r["latencies"]]

        def cell(values: list[float], digits: int = 1) -> str:
            if not values:
                return "-"
            mid = statistics.median(values)
            return f"{mid:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"

        answered = f"{sum(r['answered'] for r in runs)}/{len(runs) * count}"
        errors = sum(r["errors"] for r in runs)
        print(
            f"| {label} | {answered} | {cell(rates, 0)} | {cell(p50)} | {cell(p99)} | {errors} |"
        )


if __name__ == "__main__":
    main()
