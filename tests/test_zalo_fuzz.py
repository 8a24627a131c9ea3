"""Whatever a signed Zalo event contains, the parser returns an event or "ignored" — never an
exception — and the webhook answers 2xx, never 5xx (seeded random shapes, reproducible)."""

from __future__ import annotations

import json
import random

from bot.channels.zalo import events
from bot.channels.zalo.settings import ZaloSettings
from tests.fake_zalo import FakeZalo
from tests.zalo_harness import zalo_stack

NAMES = [*events.UNREADABLE, "user_send_text", "user_send_location", "user_submit_info"]
NAMES += ["follow", "unfollow", "user_seen_message", "", "x" * 300]


def _value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**70, 61424948231234567891234])
    if kind == 3:
        return rng.choice([1.5, float("1e308"), -0.0])
    if kind in (4, 5):
        alphabet = "aăâđê09 #b:\x00\u0301ệ😀\ud800/\n"
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))
    if kind == 6:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    keys = ["text", "msg_id", "attachments", "payload", "coordinates", "latitude", "lat"]
    keys += ["longitude", "long", "lng", "location", "id", "phone", "name", "type"]
    return {rng.choice(keys): _value(rng, depth + 1) for _ in range(rng.randrange(0, 5))}


def _event(rng: random.Random) -> dict:
    event = {"event_name": rng.choice(NAMES), "timestamp": str(rng.randrange(10**13))}
    for key in ("sender", "recipient", "message", "follower", "info", "user_id"):
        if rng.random() < 0.7:
            event[key] = _value(rng) if rng.random() < 0.3 else {"id": _value(rng)}
    if rng.random() < 0.7:
        event["message"] = (
            _value(rng, 1)
            if rng.random() < 0.3
            else {
                "text": _value(rng),
                "msg_id": _value(rng),
                "attachments": [{"payload": {"coordinates": _value(rng, 2)}}],
            }
        )
    return event


def test_the_parser_never_raises_and_never_passes_nul_or_surrogates():
    rng = random.Random(20261207)
    settings = ZaloSettings()
    kinds: set[str] = set()
    for _ in range(5000):
        got = events.parse(settings, _event(rng))
        kinds.add(type(got).__name__)
        if isinstance(got, events.Inbound):
            for text in (got.incoming.text, got.incoming.payload):
                if text is not None:
                    assert "\x00" not in text
                    text.encode("utf-8")  # no lone surrogates
            assert isinstance(got.incoming.user_id, str) and got.incoming.user_id
    assert kinds == {"Inbound", "Ignored", "Unfollowed"}


async def test_signed_random_events_never_get_a_5xx(db_url, clock):
    rng = random.Random(7)
    async with zalo_stack(db_url, clock) as z:
        for _ in range(150):
            event = _event(rng)
            body = json.dumps(event).encode()
            headers = {
                "Content-Type": "application/json",
                "X-ZEvent-Signature": FakeZalo.signature(body, event["timestamp"]),
            }
            assert await z.post(body, headers) == 200
        await z.webhook.drain()
        assert z.webhook.counts["store_failed"] == 0


def test_ids_that_could_not_be_stored_are_refused_and_odd_msg_ids_hashed():
    settings = ZaloSettings()
    for bad in ("a\x00b", "\ud800", "x" * 65, "ủ"):
        event = {"event_name": "user_send_text", "sender": {"id": bad}, "message": {"text": "hi"}}
        assert isinstance(events.parse(settings, event), events.Ignored)
    event = {
        "event_name": "user_send_text",
        "sender": {"id": "42"},
        "message": {"text": "hi", "msg_id": "m\ud800"},
    }
    got = events.parse(settings, event)
    assert got.key.startswith("h:") and got.msg_id is None
