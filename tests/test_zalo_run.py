"""`trolyso run` with Telegram and Zalo configured: one process answers both — Telegram by
long polling the fake Bot API, Zalo on its webhook — and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from bot.channels.zalo import oauth
from bot.channels.zalo.oauth import OAuthClient
from bot.channels.zalo.tokens import TokenStore
from bot.clock import Clock
from bot.db import Database
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.fake_zalo import APP_ID, APP_SECRET, OA_SECRET, FakeZalo
from tests.zalo_harness import settings_for

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _authorise(db_url: str, fake: FakeZalo) -> None:
    settings = settings_for(fake.url)
    db = Database(db_url)
    try:
        await db.upgrade()
        async with aiohttp.ClientSession() as session:
            store = TokenStore(db, OAuthClient(session, settings), settings, Clock())
            verifier, challenge = oauth.pkce_pair()
            await store.begin_authorisation(verifier, "s")
            await store.finish_authorisation(
                fake.grant(oauth.permission_url(settings, challenge, "s"))
            )
    finally:
        await db.close()


async def test_one_process_serves_telegram_and_zalo(tmp_path):
    db_url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    port = _free_port()
    fake_zalo = await FakeZalo(Clock()).start()
    try:
        await _authorise(db_url, fake_zalo)
        async with FakeTelegram() as fake_tg:
            env = {
                **os.environ,
                "TROLYSO_DATABASE_URL": db_url,
                "TROLYSO_PATHS_CONTENT": str(ROOT / "content"),
                "TROLYSO_PATHS_LOCALES": str(ROOT / "locales"),
                "TROLYSO_PATHS_PID_FILE": str(tmp_path / "bot.pid"),
                "TROLYSO_CHANNELS_TELEGRAM_TOKEN": TOKEN,
                "TROLYSO_CHANNELS_TELEGRAM_API_BASE_URL": fake_tg.base_url,
                "TROLYSO_CHANNELS_TELEGRAM_API_FILE_URL": fake_tg.file_url,
                "TROLYSO_CHANNELS_TELEGRAM_POLL_TIMEOUT_SECONDS": "1",
                "TROLYSO_CHANNELS_ZALO_APP_ID": APP_ID,
                "TROLYSO_CHANNELS_ZALO_APP_SECRET_KEY": APP_SECRET,
                "TROLYSO_CHANNELS_ZALO_OA_SECRET_KEY": OA_SECRET,
                "TROLYSO_CHANNELS_ZALO_API_BASE_URL": fake_zalo.url,
                "TROLYSO_CHANNELS_ZALO_OAUTH_BASE_URL": fake_zalo.url,
                "TROLYSO_WEBHOOK_LISTEN_HOST": "127.0.0.1",
                "TROLYSO_WEBHOOK_LISTEN_PORT": str(port),
            }
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--config",
                str(ROOT / "config.toml"),
                "run",
                cwd=tmp_path,
                env=env,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                fake_tg.push_text(42, "/menu")
                await fake_tg.wait_for("sendMessage", chat_id=42, within=60)
                url = f"http://127.0.0.1:{port}/zalo"
                for _ in range(600):  # the web server is up once Telegram answered; be sure
                    try:
                        status = await fake_zalo.push(fake_zalo.text_event("u1", "/menu"), url)
                        break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.1)
                assert status == 200
                for _ in range(600):
                    if fake_zalo.messages:
                        break
                    await asyncio.sleep(0.1)
                assert fake_zalo.messages and all(c.error == 0 for c in fake_zalo.messages)
            finally:
                proc.send_signal(signal.SIGTERM)
                _, stderr = await asyncio.wait_for(proc.communicate(), 60)
            assert proc.returncode == 0, stderr.decode()[-2000:]
            log = stderr.decode()
            assert "Zalo channel running" in log and "Telegram bot" in log
    finally:
        await fake_zalo.stop()


async def test_zalo_is_served_on_the_telegram_webhooks_server(config, clock, tmp_path):
    from bot import app
    from bot.channels.telegram import TelegramBot
    from bot.channels.zalo.serve import ZaloService
    from tests.telegram_harness import bot_config

    fake_zalo = await FakeZalo(clock).start()
    try:
        async with FakeTelegram() as fake_tg:
            cfg = bot_config(
                config,
                fake_tg,
                webhook__secret_token="s3cret_Token-42",
                webhook__listen_host="127.0.0.1",
                channels__zalo__app_id=APP_ID,
                channels__zalo__app_secret_key=APP_SECRET,
                channels__zalo__oa_secret_key=OA_SECRET,
                channels__zalo__api_base_url=fake_zalo.url,
                channels__zalo__oauth_base_url=fake_zalo.url,
            )
            core = await app.start(cfg, clock=clock)
            zalo = ZaloService(cfg, core)
            try:
                await zalo.start()
                assert zalo.channel is not None
                verifier, challenge = oauth.pkce_pair()
                await zalo.channel.tokens.begin_authorisation(verifier, "s")
                await zalo.channel.tokens.finish_authorisation(
                    fake_zalo.grant(oauth.permission_url(zalo.settings, challenge, "s"))
                )
                bot = TelegramBot(
                    cfg, core, webhook=True, listen_port=0, routes=(zalo.add_routes,)
                )
                await bot.start()
                try:
                    assert bot.server is not None
                    url = f"http://127.0.0.1:{bot.server.port}/zalo"
                    assert await fake_zalo.push(fake_zalo.text_event("u1", "/menu"), url) == 200
                    await zalo.channel.webhook.drain()
                    assert fake_zalo.messages and fake_zalo.messages[0].error == 0
                finally:
                    await bot.stop()
            finally:
                await zalo.stop()
                await core.close()
    finally:
        await fake_zalo.stop()
