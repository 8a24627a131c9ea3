"""Sending on Zalo over real HTTP to the fake OA API: what each reply becomes, and what each
error code turns into for the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.channels.errors import RateLimited, RecipientUnreachable, Rejected, SendError
from bot.channels.zalo import journal
from bot.channels.zalo.errors import Failed, NightBan, OutsideWindow, TokenUnusable
from bot.channels.zalo.render import calendar_link
from bot.types import Button, ButtonKind, Document, Location, Reply, rows
from tests.zalo_harness import zalo_stack

USER = "6142494823123456789"


async def _ready(z) -> None:
    await z.authorise()
    z.fake.user_writes(USER)


async def test_text_goes_as_a_consultation_message_with_the_token_header(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await _ready(z)
        sent = await z.sender.send(USER, [Reply("Xin chào bác")])
        [call] = z.fake.messages
        assert call.json == {"recipient": {"user_id": USER}, "message": {"text": "Xin chào bác"}}
        assert call.headers["access_token"] in z.fake.access_tokens
        assert sent.message_ids == [call.answer["data"]["message_id"]]


async def test_buttons_become_a_template_of_hidden_queries_and_links(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await _ready(z)
        reply = Reply(
            "Chọn ngôn ngữ",
            rows(
                Button("Tiếng Việt", "lang:vi"),
                Button("A very long English label here", "lang:en"),
                Button("Cổng DVC", kind=ButtonKind.URL, url="https://dichvucong.gov.vn"),
                Button("Vị trí", kind=ButtonKind.REQUEST_LOCATION),
            ),
        )
        await z.sender.send(USER, [reply])
        [call] = z.fake.messages
        assert call.error == 0
        buttons = call.json["message"]["attachment"]["payload"]["buttons"]
        assert buttons == [
            {"title": "Tiếng Việt", "type": "oa.query.hide", "payload": "#b:lang:vi"},
            {"title": "A very long English…", "type": "oa.query.hide", "payload": "#b:lang:en"},
            {
                "title": "Cổng DVC",
                "type": "oa.open.url",
                "payload": {"url": "https://dichvucong.gov.vn"},
            },
        ]
        assert all(len(b["title"]) <= 20 for b in buttons)


async def test_more_than_five_buttons_go_on_following_messages(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await _ready(z)
        reply = Reply("Menu", rows(*(Button(f"Mục {i}", f"m:{i}") for i in range(12))))
        await z.sender.send(USER, [reply])
        counts = [
            len(c.json["message"]["attachment"]["payload"]["buttons"]) for c in z.fake.messages
        ]
        assert counts == [5, 5, 2]
        assert all(c.error == 0 for c in z.fake.messages)
        assert z.fake.messages[0].json["message"]["text"] == "Menu"


async def test_a_long_text_is_split_under_the_limit(db_url, clock):
    async with zalo_stack(db_url, clock, max_text_chars=100) as z:
        await _ready(z)
        text = "\n\n".join(f"Bước {i}: " + "chữ " * 15 for i in range(5))
        await z.sender.send(USER, [Reply(text, rows(Button("OK", "ok")))])
        texts = [c.json["message"]["text"] for c in z.fake.messages]
        assert len(texts) > 1 and all(len(t) <= 100 for t in texts)
        assert "attachment" in z.fake.messages[-1].json["message"]


async def test_a_picture_is_uploaded_then_sent_as_media(db_url, clock, tmp_path):
    async with zalo_stack(db_url, clock) as z:
        await _ready(z)
        picture = tmp_path / "step1.png"
        picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
        await z.sender.send(USER, [Reply("Bước 1", rows(Button("Tiếp", "g:next")), image=picture)])
        [upload] = z.fake.paths("/v2.0/oa/upload/image")
        assert upload.form == {"filename": "step1.png", "size": 108}
        [call] = z.fake.messages
        payload = call.json["message"]["attachment"]["payload"]
        assert payload["template_type"] == "media"
        assert payload["elements"] == [
            {"media_type": "image", "attachment_id": upload.answer["data"]["attachment_id"]}
        ]
        assert payload["buttons"][0]["payload"] == "#b:g:next"
        assert call.json["message"]["text"] == "Bước 1"


async def test_a_pdf_is_uploaded_and_sent_as_a_file(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await _ready(z)
        doc = Document("huong-dan.pdf", b"%PDF-1.4 ...", "application/pdf", caption="Hướng dẫn")
        sent = await z.sender.send(USER, [Reply(document=doc)])
        [upload] = z.fake.paths("/v2.0/oa/upload/file")
        file_call, caption = z.fake.messages
        assert file_call.json["message"] == {
            "attachment": {"type": "file", "payload": {"token": upload.answer["data"]["token"]}}
        }
        assert caption.json["message"] == {"text": "Hướng dẫn"}
        assert sent.documents_as_text == []


ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:1@test\r
DTSTAMP:20261128T020000Z\r
DTSTART:20261201T020000Z\r
DTEND:20261201T023000Z\r
SUMMARY:Visit: support point\r
LOCATION:UBND phuong Hoan Kiem\r
END:VEVENT\r
END:VCALENDAR\r
"""


async def test_a_calendar_file_becomes_text_with_an_add_to_calendar_link(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await _ready(z)
        doc = Document("visit.ics", ICS, "text/calendar", caption="Lịch hẹn: 09:00, 1/12")
        sent = await z.sender.send(USER, [Reply(document=doc)])
        assert z.fake.paths("/v2.0/oa/upload/file") == []  # not tried: type not accepted
        [call] = z.fake.messages
        text = call.json["message"]["text"]
        assert text.startswith("Lịch hẹn: 09:00, 1/12\n")
        assert "dates=20261201T020000Z%2F20261201T023000Z" in text
        assert sent.documents_as_text == ["visit.ics"]


async def test_a_file_zalo_refuses_falls_back_to_text(db_url, clock):
    async with zalo_stack(db_url, clock, file_extensions=("pdf", "ics")) as z:
        await _ready(z)
        sent = await z.sender.send(
            USER, [Reply(document=Document("visit.ics", ICS, "text/calendar"))]
        )
        [upload] = z.fake.paths("/v2.0/oa/upload/file")
        assert upload.error == -201
        assert sent.documents_as_text == ["visit.ics"]
        assert "calendar.google.com" in z.fake.messages[-1].json["message"]["text"]


def test_no_calendar_link_without_an_event():
    assert calendar_link(Document("a.ics", b"not a calendar")) is None
    assert calendar_link(Document("a.pdf", ICS)) is None


async def test_a_location_is_text_with_a_map_link(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await _ready(z)
        where = Location(
            21.0285, 105.8542, title="Điểm hỗ trợ Hoàn Kiếm", address="1 Đinh Tiên Hoàng"
        )
        await z.sender.send(USER, [Reply(location=where)])
        assert z.fake.messages[0].json["message"]["text"] == (
            "📍 Điểm hỗ trợ Hoàn Kiếm\n1 Đinh Tiên Hoàng\n"
            "https://www.google.com/maps/search/?api=1&query=21.028500,105.854200"
        )


async def test_an_expired_token_is_refreshed_and_the_message_resent_once(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await _ready(z)
        old = z.fake.messages  # nothing yet
        z.fake.access_tokens = {t: clock.now() for t in z.fake.access_tokens}  # all expired now
        await z.sender.send(USER, [Reply("Nhắc lịch")])
        first, second = z.fake.messages
        assert (first.error, second.error) == (-220, 0)
        assert first.headers["access_token"] != second.headers["access_token"]
        assert len(z.fake.paths("/v4/oa/access_token")) == 2  # the code, then one refresh
        assert old == []


async def test_a_token_refused_twice_is_not_resent_again(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await _ready(z)
        z.fake.fail_next("/v3.0/oa/message/cs", -216, -216)
        with pytest.raises(TokenUnusable):
            await z.sender.send(USER, [Reply("x")])
        assert len(z.fake.messages) == 2


async def test_rate_limits_back_off_then_tell_the_outbox_to_wait(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await _ready(z)
        z.fake.fail_next("/v3.0/oa/message/cs", -32, -100)
        await z.sender.send(USER, [Reply("x")])
        assert [c.error for c in z.fake.messages] == [-32, -100, 0]
        assert z.waits == [1.0, 2.0]
        z.fake.fail_next("/v3.0/oa/message/cs", -32, -32, -32)
        with pytest.raises(RateLimited) as e:
            await z.sender.send(USER, [Reply("x")])
        assert e.value.retry_after == 8.0


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (-213, RecipientUnreachable),
        (-217, RecipientUnreachable),
        (-227, RecipientUnreachable),
        (-230, OutsideWindow),
        (-232, OutsideWindow),
        (-244, OutsideWindow),
        (-201, Failed),
        (-999, Failed),
    ],
)
async def test_error_codes_map_to_what_the_outbox_understands(db_url, clock, code, error):
    async with zalo_stack(db_url, clock) as z:
        await _ready(z)
        z.fake.fail_next("/v3.0/oa/message/cs", code)
        with pytest.raises(error) as e:
            await z.sender.send(USER, [Reply("x")])
        assert e.value.code == code
        assert "secret-detail" not in str(e.value)  # Zalo's text never travels on
        [(_, source, recorded)] = await journal.latest(z.db)
        assert (source, recorded) == ("send", str(code))


async def test_outside_the_window_the_fake_refuses_like_zalo(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await _ready(z)
        clock.advance(days=8)
        with pytest.raises(OutsideWindow) as e:
            await z.sender.send(USER, [Reply("x")])
        assert e.value.code == -230
        with pytest.raises(RecipientUnreachable):
            await z.sender.send("never-followed", [Reply("x")])


async def test_at_night_zalo_holds_sends_until_six(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await _ready(z)
        clock.set(datetime(2026, 11, 28, 16, 30, tzinfo=UTC))  # 23:30 in Hanoi
        with pytest.raises(NightBan) as e:
            await z.sender.send(USER, [Reply("x")])
        assert isinstance(e.value, RateLimited)
        assert e.value.retry_after == 6.5 * 3600


async def test_a_zns_template_goes_to_the_phone_in_84_form(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await z.authorise()
        msg_id = await z.client.send_template(
            "+84912345678", "tpl-reminder", {"time": "09:00"}, "outbox-17"
        )
        [call] = z.fake.paths("/message/template")
        assert call.json["phone"] == "84912345678" and call.json["tracking_id"] == "outbox-17"
        assert msg_id == call.answer["data"]["msg_id"]
        with pytest.raises(Rejected):
            await z.client.send_template("+84912345678", "tpl-unknown", {}, "t")


async def test_without_authorisation_nothing_is_sent(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        with pytest.raises(TokenUnusable) as e:
            await z.sender.send(USER, [Reply("x")])
        assert "trolyso zalo authorize" in str(e.value)
        assert isinstance(e.value, SendError)
        assert z.fake.messages == []


async def test_an_answer_names_the_users_message_and_falls_back_to_the_user_id(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await z.authorise()
        event = z.fake.text_event(USER, "hi", msg_id="cb31dff1c39642cc1b83")
        assert await z.push(event) == 200
        await z.sender.send(USER, [Reply("Chào bạn")], reply_to="cb31dff1c39642cc1b83")
        [call] = z.fake.messages
        assert call.json["recipient"] == {"message_id": "cb31dff1c39642cc1b83"}
        assert call.error == 0
        z.fake.replies_by_message_id = False  # if Zalo's v3 API does not take it
        await z.sender.send(USER, [Reply("Chào bạn")], reply_to="cb31dff1c39642cc1b83")
        refused, resent = z.fake.messages[1:]
        assert (refused.error, resent.error) == (-201, 0)
        assert resent.json["recipient"] == {"user_id": USER}
