"""One Zalo webhook event → what it means to the bot: an `Incoming`, an unfollow, or nothing.

Event shapes (../shared/facts/channels.md §4): `event_name`, `sender.id` (the user, scoped to
the OA), `recipient.id` (the OA), `message.{text, msg_id, attachments}`, `timestamp` in
milliseconds as a string; `follow`/`unfollow` carry `follower.id`. Ids stay strings end to end
(the body is parsed with integers kept as their digits), as they overflow some JSON decoders.

- `user_send_text` → text, or a button press when it carries our payload prefix (payloads.py);
- `user_send_location` → a location: `message.attachments[0].payload.coordinates` with
  `latitude`/`longitude` strings [code], and the other shapes seen (`lat`/`long`, `lng`,
  `message.location`) [unconfirmed];
- `user_submit_info` → the user's own contact (the reply to a `request_user_info` form;
  `info.phone` in 84… form) [code];
- pictures, stickers, GIFs, voice, video, files, business cards → `Incoming.unreadable`;
- `follow` → `/start` (a greeting); `unfollow` → `Unfollowed` (stop sending, keep the rest);
- anything else (delivery and seen receipts, the OA's own echoes, new event names) → `Ignored`.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

from bot.channels.clean import clean_text
from bot.channels.zalo import payloads
from bot.channels.zalo.settings import ZaloSettings
from bot.types import Contact, Incoming, Location

CHANNEL = "zalo"
KEY_CHARS = 64  # the inbox's update id column (bot/inbox.py)
Json = dict[str, Any]

UNREADABLE = {
    "user_send_image": "image",
    "user_send_sticker": "sticker",
    "user_send_gif": "image",
    "user_send_audio": "audio",
    "user_send_video": "video",
    "user_send_file": "file",
    "user_send_business_card": "contact_card",
    "user_send_link": "link",
}


@dataclass(frozen=True, slots=True)
class Inbound:
    """Something the user did, for the core; `key` is the platform's id of it (dedupe)."""

    incoming: Incoming
    key: str
    # The user's message id, when the event is a message (an answer names it).
    msg_id: str | None = None


@dataclass(frozen=True, slots=True)
class Unfollowed:
    """The user unfollowed the OA: nothing more can be sent to them until they follow again."""

    user_id: str
    key: str
    inbox_id: int | None = None  # marked done once acted on (an `Inbound`'s core does it)


@dataclass(frozen=True, slots=True)
class Ignored:
    """An event the bot does not act on; its name (never its content) is logged at debug."""

    event_name: str


Event = Inbound | Unfollowed | Ignored


def _obj(value: Any) -> Json:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    """An id or text as a string; numbers (kept as digits by the parser) become strings."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _id(value: Any) -> str | None:
    """A Zalo id (digits in practice): printable ASCII of at most 64 characters, else None —
    an id is stored (users.external_id), so a NUL or a lone surrogate must never get that far."""
    text = _str(value)
    if text is None or len(text) > 64 or not text.isascii() or not text.isprintable():
        return None
    return text


def _coordinate(value: Any, limit: float) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and -limit <= number <= limit else None


def _point(obj: Json) -> Location | None:
    lat = obj.get("latitude", obj.get("lat"))
    lon = obj.get("longitude", obj.get("long", obj.get("lng")))
    latitude, longitude = _coordinate(lat, 90), _coordinate(lon, 180)
    if latitude is None or longitude is None:
        return None
    return Location(latitude, longitude)


def location(message: Json) -> Location | None:
    """The shared location in any of the shapes integrators have seen."""
    attachments = message.get("attachments")
    for attachment in attachments if isinstance(attachments, list) else []:
        payload = _obj(_obj(attachment).get("payload"))
        for candidate in (_obj(payload.get("coordinates")), payload):
            if found := _point(candidate):
                return found
    return _point(_obj(message.get("location")))


def phone(raw: Any) -> str | None:
    """A phone number from Zalo (84912345678) in E.164 form (+84912345678)."""
    digits = "".join(ch for ch in str(raw or "") if ch.isascii() and ch.isdigit())
    if digits.startswith("84") and len(digits) >= 11:
        return "+" + digits
    if digits.startswith("0") and len(digits) == 10:
        return "+84" + digits[1:]
    return None


def _key(event_name: str, user: str, body: Json, message: Json) -> str:
    """The duplicate-check key: `message.msg_id`; for events without one (follow, unfollow,
    form replies) the event, the user and its time. Stored as the inbox's update id (at most
    KEY_CHARS), so anything odd or long is hashed."""
    msg_id = _str(message.get("msg_id"))
    raw = msg_id or f"{event_name}:{user}:{_str(body.get('timestamp')) or ''}"
    if len(raw) <= KEY_CHARS and raw.isascii() and raw.isprintable() and not raw.startswith("h:"):
        return raw
    digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
    return "h:" + digest[: KEY_CHARS - 2]


def parse(settings: ZaloSettings, body: Json) -> Event:
    name = _str(body.get("event_name")) or ""
    message = _obj(body.get("message"))
    if name in ("follow", "unfollow"):
        user = _id(_obj(body.get("follower")).get("id")) or _id(_obj(body.get("sender")).get("id"))
        if not user:
            return Ignored(name)
        key = _key(name, user, body, message)
        if name == "unfollow":
            return Unfollowed(user, key)
        return Inbound(Incoming(CHANNEL, user, user, text="/start", update_id=key), key)

    # `user_click_chatnow` and some form replies name the user as `user_id` [secondary].
    user = _id(_obj(body.get("sender")).get("id")) or _id(body.get("user_id"))
    if not user:
        return Ignored(name)
    key = _key(name, user, body, message)

    msg_id = _id(message.get("msg_id"))

    def inbound(**fields: Any) -> Inbound:
        return Inbound(Incoming(CHANNEL, user, user, update_id=key, **fields), key, msg_id)

    if name == "user_send_text":
        text = clean_text(_str(message.get("text")) or "")
        if not text.strip():
            return Ignored(name)
        pressed = payloads.decode(settings, text)
        return inbound(payload=pressed) if pressed else inbound(text=text)
    if name == "user_send_location":
        where = location(message)
        return inbound(location=where) if where else inbound(unreadable="location")
    if name == "user_submit_info":
        info = _obj(body.get("info"))
        number = phone(info.get("phone"))
        if number is None:
            return inbound(unreadable="contact")
        first_name = clean_text(_str(info.get("name")) or "")
        # A form reply is the user's own details, given with consent: their own contact.
        return inbound(contact=Contact(number, first_name, user_id=user))
    if name in UNREADABLE:
        return inbound(unreadable=UNREADABLE[name])
    return Ignored(name)
