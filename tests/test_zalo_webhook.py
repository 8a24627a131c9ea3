"""The Zalo webhook over real HTTP: only Zalo-signed requests get in, each event once, and
every kind of event becomes what the core expects (ids as strings throughout)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.channels.zalo.events import Ignored, Inbound, Unfollowed
from bot.channels.zalo.webhook import ZaloWebhook
from bot.db.inbox_models import InboxUpdate
from tests.fake_zalo import APP_ID, OA_ID, FakeZalo
from tests.zalo_harness import zalo_stack

pytestmark = pytest.mark.both_databases


async def _stored(z) -> int:
    async with z.db.connection() as conn:
        return await conn.scalar(
            select(func.count()).select_from(InboxUpdate).where(InboxUpdate.channel == "zalo")
        )


async def _received(z) -> list:
    await z.webhook.drain()
    return list(z.events)


async def test_signed_text_reaches_the_core_as_text_with_string_ids(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        event = z.fake.text_event("6142494823123456789", "Làm căn cước thế nào?")
        assert await z.push(event) == 200
        [got] = await _received(z)
        assert isinstance(got, Inbound)
        assert got.incoming.channel == "zalo"
        assert got.incoming.user_id == got.incoming.chat_id == "6142494823123456789"
        assert got.incoming.text == "Làm căn cước thế nào?"
        assert got.incoming.payload is None
        assert got.key == event["message"]["msg_id"]


async def test_numeric_ids_keep_every_digit(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        event = z.fake.text_event("x", "hello")
        body = json.dumps(event).replace('"x"', "61424948231234567891234").encode()
        headers = {
            "Content-Type": "application/json",
            "X-ZEvent-Signature": FakeZalo.signature(body, event["timestamp"]),
        }
        assert await z.post(body, headers) == 200
        [got] = await _received(z)
        assert got.incoming.user_id == "61424948231234567891234"


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "mac=" + "0" * 64,
        "mac=nothex",
        "",
        # The right formula with the app id left out: a different hash.
        "wrong-parts",
    ],
)
async def test_unsigned_or_wrongly_signed_requests_get_401_and_nothing_happens(
    db_url, clock, signature
):
    async with zalo_stack(db_url, clock) as z:
        event = z.fake.text_event("u1", "hi")
        body = json.dumps(event).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "wrong-parts":
            signature = FakeZalo.signature(body, event["timestamp"], app_id="")
        if signature is not None:
            headers["X-ZEvent-Signature"] = signature
        assert await z.post(body, headers) == 401
        assert await _received(z) == []
        assert await _stored(z) == 0


async def test_a_signature_over_reserialised_json_is_refused(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        event = z.fake.text_event("u1", "xin chào")
        body = json.dumps(event, ensure_ascii=False).encode()
        other = json.dumps(event).encode()  # same JSON, other bytes (\\u escapes)
        headers = {
            "Content-Type": "application/json",
            "X-ZEvent-Signature": FakeZalo.signature(other, event["timestamp"]),
        }
        assert await z.post(body, headers) == 401
        assert await _received(z) == []


async def test_the_mac_prefix_is_optional_and_case_does_not_matter(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        event = z.fake.text_event("u1", "hi")
        body = json.dumps(event).encode()
        bare = FakeZalo.signature(body, event["timestamp"]).removeprefix("mac=").upper()
        assert (
            await z.post(body, {"Content-Type": "application/json", "X-ZEvent-Signature": bare})
            == 200
        )
        assert len(await _received(z)) == 1


async def test_a_signature_header_with_non_utf8_bytes_is_401_not_500(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        event = z.fake.text_event("u1", "hi")
        body = json.dumps(event).encode()
        reader, writer = await __import__("asyncio").open_connection(
            "127.0.0.1", int(z.webhook_url.split(":")[2].split("/")[0])
        )
        head = (
            f"POST {z.settings.webhook_path} HTTP/1.1\r\nHost: x\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n"
        ).encode()
        writer.write(head + b"X-ZEvent-Signature: mac=\xff\xfe" + b"a" * 60 + b"\r\n\r\n" + body)
        await writer.drain()
        status_line = await reader.readline()
        writer.close()
        assert status_line.split()[1] == b"401"
        assert await _received(z) == []


async def test_guards_answer_plain_4xx(db_url, clock):
    async with zalo_stack(db_url, clock, max_body_bytes=2048) as z:
        event = z.fake.text_event("u1", "hi")
        body = json.dumps(event).encode()
        signed = {"X-ZEvent-Signature": FakeZalo.signature(body, event["timestamp"])}
        assert await z.post(body, {"Content-Type": "text/plain", **signed}) == 415
        big = json.dumps({**event, "pad": "x" * 4000}).encode()
        big_signed = {"X-ZEvent-Signature": FakeZalo.signature(big, event["timestamp"])}
        assert await z.post(big, {"Content-Type": "application/json", **big_signed}) == 413
        for bad in (b"{not json", b"[1, 2]", b"[" * 5000 + b"]" * 5000):
            headers = {"Content-Type": "application/json", **signed}
            assert await z.post(bad, headers) in (400, 413)
        assert await z.post(b"{}", {"Content-Type": "application/json", **signed}) == 401
        assert await z.post(b"", signed, method="GET") == 405
        assert await _received(z) == []
        assert await _stored(z) == 0


async def test_deeply_nested_json_is_400(db_url, clock):
    async with zalo_stack(db_url, clock, max_body_bytes=200_000) as z:
        signed = {"X-ZEvent-Signature": "mac=" + "a" * 64, "Content-Type": "application/json"}
        assert await z.post(b"[" * 50_000 + b"]" * 50_000, signed) == 400


async def test_a_redelivered_event_is_taken_once_even_by_another_process(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        event = z.fake.text_event("u1", "hi", msg_id="cb31dff1c39642cc1b83")
        assert await z.push(event) == 200
        assert await z.push(event) == 200
        # A second process on the same database (Zalo retried to another replica).
        other_events: list = []

        async def sink(e):
            other_events.append(e)

        other = ZaloWebhook(z.settings, z.db, sink, clock)
        from aiohttp import web

        runner = web.AppRunner(other.web_app())
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        try:
            url = f"http://127.0.0.1:{port}{z.settings.webhook_path}"
            assert await z.fake.push(event, url) == 200
            await other.drain()
        finally:
            await runner.cleanup()
        assert len(await _received(z)) == 1
        assert other_events == []
        assert z.webhook.counts["duplicate"] == 1 and other.counts["duplicate"] == 1


async def test_a_button_press_arrives_as_its_payload(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        assert await z.push(z.fake.text_event("u1", "#b:lang:en")) == 200
        assert await z.push(z.fake.text_event("u1", "#b:")) == 200
        pressed, empty = await _received(z)
        assert pressed.incoming.payload == "lang:en" and pressed.incoming.text is None
        assert empty.incoming.payload is None and empty.incoming.text == "#b:"


@pytest.mark.parametrize(
    "message",
    [
        {
            "attachments": [
                {
                    "type": "location",
                    "payload": {"coordinates": {"latitude": "21.0285", "longitude": "105.8542"}},
                }
            ]
        },
        {
            "attachments": [
                {
                    "type": "location",
                    "payload": {"coordinates": {"lat": 21.0285, "long": 105.8542}},
                }
            ]
        },
        {
            "attachments": [
                {"type": "location", "payload": {"latitude": "21.0285", "lng": "105.8542"}}
            ]
        },
        {"location": {"latitude": "21.0285", "longitude": "105.8542"}},
    ],
)
async def test_locations_in_every_known_shape(db_url, clock, message):
    async with zalo_stack(db_url, clock) as z:
        event = z.fake.event(
            "user_send_location",
            sender={"id": "u1"},
            recipient={"id": OA_ID},
            message={"msg_id": "loc1", **message},
        )
        assert await z.push(event) == 200
        [got] = await _received(z)
        assert got.incoming.location is not None
        assert (got.incoming.location.latitude, got.incoming.location.longitude) == (
            21.0285,
            105.8542,
        )


async def test_a_location_out_of_range_is_unreadable_not_a_crash(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        event = z.fake.location_event("u1", "210.5", "nan")
        assert await z.push(event) == 200
        [got] = await _received(z)
        assert got.incoming.location is None and got.incoming.unreadable == "location"


async def test_a_submitted_form_is_the_users_own_contact_in_e164(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        event = z.fake.event(
            "user_submit_info",
            sender={"id": "u1"},
            recipient={"id": OA_ID},
            info={"name": "Nguyễn Văn A", "phone": "84912345678", "address": "Hoàn Kiếm"},
        )
        assert await z.push(event) == 200
        [got] = await _received(z)
        assert got.incoming.contact.phone == "+84912345678"
        assert got.incoming.contact.user_id == "u1"


@pytest.mark.parametrize(
    ("event_name", "kind"),
    [
        ("user_send_image", "image"),
        ("user_send_sticker", "sticker"),
        ("user_send_audio", "audio"),
        ("user_send_file", "file"),
    ],
)
async def test_pictures_stickers_voice_and_files_are_marked_unreadable(
    db_url, clock, event_name, kind
):
    async with zalo_stack(db_url, clock) as z:
        event = z.fake.event(
            event_name,
            sender={"id": "u1"},
            recipient={"id": OA_ID},
            message={
                "msg_id": "a1",
                "attachments": [{"type": kind, "payload": {"url": "https://x"}}],
            },
        )
        assert await z.push(event) == 200
        [got] = await _received(z)
        assert got.incoming.unreadable == kind
        assert got.incoming.text is None


async def test_follow_greets_and_unfollow_marks_unreachable(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        follow = z.fake.event("follow", oa_id=OA_ID, follower={"id": "u7"}, source="testing")
        assert await z.push(follow) == 200
        clock.advance(seconds=5)
        unfollow = z.fake.event("unfollow", oa_id=OA_ID, follower={"id": "u7"})
        assert await z.push(unfollow) == 200
        greeted, gone = await _received(z)
        assert greeted.incoming.text == "/start" and greeted.incoming.command == "/start"
        assert isinstance(gone, Unfollowed) and gone.user_id == "u7"


async def test_unknown_and_receipt_events_are_answered_200_and_dropped(db_url, clock, caplog):
    async with zalo_stack(db_url, clock) as z:
        for name in ("user_seen_message", "oa_send_text", "something_new"):
            event = z.fake.event(
                name, sender={"id": "u1"}, recipient={"id": OA_ID}, message={"msg_id": name}
            )
            with caplog.at_level("DEBUG", logger="bot.channels.zalo.webhook"):
                assert await z.push(event) == 200
        assert await _received(z) == []
        assert await _stored(z) == 0
        assert "something_new" in caplog.text


async def test_one_users_events_are_handled_in_order(db_url, clock):
    import asyncio

    async with zalo_stack(db_url, clock) as z:
        seen: list[str] = []

        async def slow_sink(event):
            await asyncio.sleep(0)
            seen.append(event.incoming.text)

        z.webhook.sink = slow_sink
        for i in range(5):
            assert await z.push(z.fake.text_event("u1", f"m{i}")) == 200
        await z.webhook.drain()
        assert seen == [f"m{i}" for i in range(5)]


def test_parse_ignores_events_without_a_sender():
    from bot.channels.zalo.events import parse
    from bot.channels.zalo.settings import ZaloSettings

    got = parse(
        ZaloSettings(app_id=APP_ID), {"event_name": "user_send_text", "message": {"text": "x"}}
    )
    assert isinstance(got, Ignored)


async def test_handled_inbox_rows_older_than_a_day_are_dropped(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        assert await z.push(z.fake.text_event("u1", "old", msg_id="old1")) == 200
        await z.webhook.drain()
        async with z.db.connection() as conn:
            [row_id] = (await conn.execute(select(InboxUpdate.id))).scalars().all()
        await z.webhook.inbox.finish(row_id)  # handled (the core does it in a real bot)
        clock.advance(days=3)
        z.webhook.counts["accepted"] = 1000  # the next event taken prunes
        assert await z.push(z.fake.text_event("u1", "new", msg_id="new1")) == 200
        await z.webhook.drain()
        async with z.db.connection() as conn:
            ids = (await conn.execute(select(InboxUpdate.update_id))).scalars().all()
        assert ids == ["new1"]
