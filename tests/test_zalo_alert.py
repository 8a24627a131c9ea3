"""A dead Zalo refresh token: the admins are told once, on their other messenger, and
`trolyso zalo status` shows it — with the bot serving Telegram and Zalo from one process."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from bot.channels.zalo import alert
from bot.cli import main
from bot.db.booking_models import OutboxMessage
from bot.outbox.sweeper import sweep_once
from tests.broadcast_flow import ADMIN, OFFICERS
from tests.channel_citizens import TelegramCitizen, all_channels
from tests.fake_zalo import APP_ID, APP_SECRET, OA_SECRET

ROOT = Path(__file__).resolve().parent.parent


async def test_a_refused_refresh_token_is_told_to_the_admins_once_elsewhere(
    config, clock, db_url, tmp_path, monkeypatch, capsys
):
    async with all_channels(config, clock, **OFFICERS) as hub:
        admin = await hub.citizen("telegram", ADMIN)
        assert isinstance(admin, TelegramCitizen)
        channel = hub.zalo_service.channel
        assert channel is not None
        hub.zalo.refresh_tokens.clear()  # Zalo no longer knows the bot's refresh token
        clock.advance(hours=26)  # the access token expired: a refresh is needed
        assert not await channel.refresh_if_due()
        clock.advance(minutes=10)  # tried again later (the keeper does): refused again
        assert not await channel.refresh_if_due()

        async with hub.core.db.transaction() as session:
            rows = (
                await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.kind == alert.KIND)
                )
            ).all()
        assert [(r.channel, r.chat_id) for r in rows] == [("telegram", ADMIN)], "once, elsewhere"

        mark = len(admin.received())
        await sweep_once(hub.core)
        await admin.more_than(mark)
        told = admin.received()[mark]
        assert "Zalo refused the bot's refresh token" in told
        assert "trolyso zalo authorize" in told

    path = tmp_path / "config.toml"
    path.write_text(
        (ROOT / "config.toml")
        .read_text()
        .replace('url = "sqlite+aiosqlite:///var/trolyso.db"', f'url = "{db_url}"')
    )
    for key, value in {
        "APP_ID": APP_ID,
        "APP_SECRET_KEY": APP_SECRET,
        "OA_SECRET_KEY": OA_SECRET,
        "REDIRECT_URI": "https://bot.example.vn/zalo/authorised",
    }.items():
        monkeypatch.setenv("TROLYSO_CHANNELS_ZALO_" + key, value)
    code = await asyncio.to_thread(main, ["--config", str(path), "zalo", "status"])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert "refresh token: REFUSED by Zalo" in out and "admins told at" in out
