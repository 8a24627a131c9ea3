"""The Zalo channel in front of the real core: a signed webhook event in, the core's answer
out through the fake Zalo API, within Zalo's limits (the fake refuses anything over them)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.channels.zalo import oauth
from bot.channels.zalo.runtime import ZaloChannel
from bot.channels.zalo.webhook import ZaloWebhook
from bot.db.inbox_models import InboxUpdate
from bot.db.models import User
from bot.db.outbox_models import UserReach
from bot.i18n import _, use_locale
from tests.fake_zalo import OA_ID, FakeZalo
from tests.zalo_harness import settings_for

USER = "6142494823123456789"


@dataclass
class Live:
    fake: FakeZalo
    channel: ZaloChannel
    url: str

    async def say(self, text: str) -> list:
        before = len(self.fake.messages)
        assert await self.fake.push(self.fake.text_event(USER, text), self.url) == 200
        await self.channel.webhook.drain()
        return self.fake.messages[before:]


@pytest.fixture
async def live(core, clock) -> AsyncIterator[Live]:
    fake = await FakeZalo(clock).start()
    settings = settings_for(fake.url)
    async with aiohttp.ClientSession() as session:
        channel = ZaloChannel(core, settings, session)
        verifier, challenge = oauth.pkce_pair()
        await channel.tokens.begin_authorisation(verifier, "s")
        await channel.tokens.finish_authorisation(
            fake.grant(oauth.permission_url(settings, challenge, "s"))
        )
        runner = web.AppRunner(channel.webhook.web_app())
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        try:
            yield Live(fake, channel, f"http://127.0.0.1:{port}{settings.webhook_path}")
        finally:
            await channel.webhook.drain()
            await runner.cleanup()
            await fake.stop()


def _buttons(call) -> list[dict]:
    return call.json["message"].get("attachment", {}).get("payload", {}).get("buttons", [])


async def test_start_on_zalo_answers_within_zalos_limits_and_a_press_comes_back(live):
    calls = await live.say("/start")
    assert calls and all(c.error == 0 for c in calls), [c.answer for c in calls]
    buttons = [b for c in calls for b in _buttons(c)]
    assert buttons and all(
        b["payload"].startswith("#b:") for b in buttons if b["type"] == "oa.query.hide"
    )
    assert all(c.json["recipient"].get("message_id") for c in calls)  # answers, not proactive

    first = next(b for b in buttons if b["type"] == "oa.query.hide")
    calls = await live.say(first["payload"])  # what Zalo sends when it is pressed
    assert calls and all(c.error == 0 for c in calls)


async def test_a_typed_payload_the_bot_never_offered_is_not_acted_on(live, core):
    await live.say("/start")
    # "#b:lang:en" is offered by /start; "#b:bk:cancel:1" was never offered to this user.
    forged = await live.say("#b:bk:cancel:1")
    with use_locale("vi"):
        refusal = _("That button is no longer active, so I did nothing.")
    assert forged[0].json["message"]["text"] == refusal
    pressed = await live.say("#b:lang:en")
    assert pressed[0].json["message"]["text"] != refusal


async def test_unfollowing_marks_the_user_unreachable(live, core):
    await live.say("xin chào")
    event = live.fake.event("unfollow", oa_id=OA_ID, follower={"id": USER})
    assert await live.fake.push(event, live.url) == 200
    await live.channel.webhook.drain()
    async with core.db.transaction() as session:
        user_id = await session.scalar(select(User.id).where(User.external_id == USER))
        reach = await session.get(UserReach, user_id)
    assert reach is not None and reach.reason == "unfollowed"


async def test_the_keeper_refreshes_a_token_nobody_used_for_a_day(live, clock, caplog):
    before = await live.channel.tokens.access_token()
    clock.advance(hours=24, minutes=30)
    assert await live.channel.refresh_if_due()
    assert await live.channel.tokens.access_token() != before
    live.fake.refresh_tokens.clear()  # Zalo forgot it: only a new authorisation helps
    clock.advance(hours=26)
    with caplog.at_level("ERROR"):
        assert not await live.channel.refresh_if_due()
    assert "trolyso zalo authorize" in caplog.text
    await live.channel.start(every_seconds=3600)
    await live.channel.stop()


async def test_a_picture_gets_what_the_bot_can_read_and_the_menu(live):
    event = live.fake.event(
        "user_send_image",
        sender={"id": USER},
        recipient={"id": OA_ID},
        message={"msg_id": "img1", "attachments": [{"type": "image", "payload": {"url": "x"}}]},
    )
    assert await live.fake.push(event, live.url) == 200
    await live.channel.webhook.drain()
    first = live.fake.messages[0].json["message"]
    with use_locale("vi"):
        expected = _(
            "I can read text and shared locations, but not pictures, stickers, voice messages "
            "or files. Please type your question, or choose from the menu:"
        )
    assert first["text"] == expected
    assert _buttons(live.fake.messages[0])  # the menu comes with it


async def _inbox_rows(core) -> list[tuple[str, bool, str]]:
    async with core.db.transaction() as session:
        rows = await session.execute(
            select(InboxUpdate.update_id, InboxUpdate.done_at, InboxUpdate.body).where(
                InboxUpdate.channel == "zalo"
            )
        )
        return [(u, done is not None, body) for u, done, body in rows]


@pytest.mark.both_databases
async def test_each_event_is_marked_done_in_the_inbox_and_its_content_dropped(live, core):
    await live.say("Tôi tên Nguyễn Thị Lan")
    event = live.fake.event("unfollow", oa_id=OA_ID, follower={"id": USER})
    assert await live.fake.push(event, live.url) == 200
    await live.channel.webhook.drain()
    rows = await _inbox_rows(core)
    assert len(rows) == 2 and all(done for _u, done, _b in rows)
    assert all(body == "" for _u, _d, body in rows), "no name kept once handled"


@pytest.mark.both_databases
async def test_an_event_taken_but_not_handled_before_a_crash_is_handled_at_restart(
    live, core, clock
):
    # The process that answered Zalo's webhook died before handling it: it is in the inbox.
    async def crashed(event) -> None:
        return None

    dead = ZaloWebhook(live.channel.settings, core.db, crashed, clock)
    runner = web.AppRunner(dead.web_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        url = f"http://127.0.0.1:{port}{live.channel.settings.webhook_path}"
        assert await live.fake.push(live.fake.text_event(USER, "/start"), url) == 200
        await dead.drain()
    finally:
        await runner.cleanup()
    assert [done for _u, done, _b in await _inbox_rows(core)] == [False]
    assert live.fake.messages == []

    clock.advance(minutes=2)  # on PostgreSQL, the dead process's lease runs out
    await live.channel.start(every_seconds=3600)  # the restarted bot
    await live.channel.webhook.drain()
    await live.channel.stop()
    assert live.fake.messages, "the greeting went out after the restart"
    assert [done for _u, done, _b in await _inbox_rows(core)] == [True]
