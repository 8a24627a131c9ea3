"""Telegram updates as the Bot API sends them (JSON objects), read without PTB's `Update`.

Parsing every update into PTB's `Update`/`Message` objects (a `Message` alone sets about a
hundred attributes) was about a quarter of the channel's CPU time per update
(docs/PERFORMANCE.md), and the bot reads a handful of fields. So polling (`ReplyBot.get_updates`)
and the webhook hand PTB's `Application` a `RawUpdate` instead — it takes any object — and this
module reads the fields the core needs. A field of the wrong shape makes the update unreadable
(`Unreadable`), never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.channels.clean import clean_optional, clean_text
from bot.types import Contact, Location, Photo

# Leads the callback data of a kept message's buttons (`Reply.keep`), so a press on one is
# known to come from a confirmation that must stay in the chat; stripped before the core.
KEPT = "~"

Json = dict[str, Any]


class Unreadable(ValueError):
    """The update does not have the shape the Bot API documents."""


# `RawUpdate.inbox_id` of an update that was in the inbox already: a re-delivery, not handled.
DUPLICATE = -1


class RawUpdate:
    """One update as JSON. PTB's Updater and our logs need `update_id`; `inbox_id` is its row
    in the inbox (bot/inbox.py) once stored."""

    __slots__ = ("data", "inbox_id", "update_id")

    def __init__(self, data: Json, inbox_id: int | None = None):
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise Unreadable("an update needs an integer update_id")
        self.data = data
        self.update_id = update_id
        self.inbox_id = inbox_id

    def __repr__(self) -> str:  # never the content: names and phone numbers stay out of logs
        return f"RawUpdate({self.update_id})"


@dataclass(frozen=True, slots=True)
class Pressed:
    """The bot's message whose inline button was pressed (it may be edited in place)."""

    chat_id: int
    message_id: int
    has_text: bool
    kept: bool = False  # a confirmation (`Reply.keep`): only a kept reply may replace it


def _object(value: Any) -> Json | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Unreadable("expected a JSON object")
    return value


def _id(obj: Json) -> int:
    value = obj.get("id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise Unreadable("expected an integer id")
    return value


def _body(data: Json) -> Json | None:
    """The update's one content object (message, callback_query, edited_message, ...)."""
    for key, value in data.items():
        if key != "update_id" and isinstance(value, dict):
            return value
    return None


def _chat_of(body: Json) -> Json | None:
    """A message's chat; a callback query's is its message's."""
    chat = _object(body.get("chat"))
    if chat is None:
        message = _object(body.get("message"))
        chat = _object(message.get("chat")) if message else None
    return chat


def chat_key(update: RawUpdate) -> int | None:
    """The chat whose order the update belongs to (its sender when there is no chat)."""
    try:
        body = _body(update.data)
        if body is None:
            return None
        chat = _chat_of(body)
        if chat is not None:
            return _id(chat)
        user = _object(body.get("from"))
        return _id(user) if user is not None else None
    except Unreadable:
        return None


def callback_query(update: RawUpdate) -> Json | None:
    return _object(update.data.get("callback_query"))


def message(update: RawUpdate) -> Json | None:
    """A new message (not an edit, not a channel post: the bot answers only these)."""
    return _object(update.data.get("message"))


def document(msg: Json) -> Json | None:
    doc = _object(msg.get("document"))
    if doc is not None and not isinstance(doc.get("file_id"), str):
        raise Unreadable("a document needs a file_id")
    return doc


def in_group(body: Json) -> bool:
    """The message (or the message under a pressed button) is in a group, supergroup or
    channel, not the private chat between the person and the bot."""
    chat = _chat_of(body)
    return chat is not None and chat.get("type", "private") != "private"


def command_for(text: str | None, username: str | None) -> bool:
    """`text` is a command meant for this bot: `/start@ThisBot`, or `/start` with no bot
    named (in a group that has several bots, Telegram sends a bare command to every one)."""
    if not text or not text.startswith("/"):
        return False
    _command, at, target = text.split(maxsplit=1)[0].partition("@")
    return not at or (username is not None and target.lower() == username.lower())


def has_sender(body: Json) -> bool:
    return body.get("from") is not None


def sender(body: Json) -> tuple[str, str, str | None]:
    """(chat id, user id, language code) of a message or callback query; the chat is the
    sender's own when the update has none."""
    user = _object(body.get("from"))
    if user is None:
        raise Unreadable("no sender")
    user_id = _id(user)
    chat = _chat_of(body)
    language = user.get("language_code")
    return (
        str(_id(chat) if chat is not None else user_id),
        str(user_id),
        language if isinstance(language, str) else None,
    )


def pressed(query: Json) -> Pressed | None:
    """The message under the pressed button, when the bot may still edit it (Telegram sends
    an "inaccessible message", with date 0, for old ones)."""
    msg = _object(query.get("message"))
    if msg is None or not msg.get("date"):
        return None
    message_id = msg.get("message_id")
    if not isinstance(message_id, int):
        raise Unreadable("expected an integer message_id")
    data = query.get("data")
    return Pressed(
        _id(_object(msg.get("chat")) or {}),
        message_id,
        isinstance(msg.get("text"), str),
        isinstance(data, str) and data.startswith(KEPT),
    )


def _float(obj: Json, key: str) -> float:
    value = obj.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise Unreadable(f"expected a number for {key}")
    return float(value)


MAX_FILE_ID = 256


def photo(msg: Json) -> Photo | None:
    """The largest size of a sent picture (Telegram lists them smallest first), by id. A
    malformed one is no picture: the rest of the message still counts."""
    sizes = msg.get("photo")
    if not isinstance(sizes, list) or not sizes:
        return None
    largest = sizes[-1]
    file_id = largest.get("file_id") if isinstance(largest, dict) else None
    if not isinstance(file_id, str) or not file_id or len(file_id) > MAX_FILE_ID:
        return None
    return Photo(file_id, clean_optional(msg.get("caption")))


def location(msg: Json) -> Location | None:
    venue = _object(msg.get("venue"))
    if venue is not None:
        place = _object(venue.get("location")) or {}
        return Location(
            _float(place, "latitude"),
            _float(place, "longitude"),
            title=clean_optional(venue.get("title")),
            address=clean_optional(venue.get("address")),
        )
    where = _object(msg.get("location"))
    if where is not None:
        return Location(_float(where, "latitude"), _float(where, "longitude"))
    return None


def contact(msg: Json) -> Contact | None:
    shared = _object(msg.get("contact"))
    if shared is None:
        return None
    phone = shared.get("phone_number")
    if not isinstance(phone, str):
        raise Unreadable("a contact needs a phone number")
    user_id = shared.get("user_id")
    return Contact(
        phone=clean_text(phone),
        first_name=clean_optional(shared.get("first_name")) or "",
        user_id=str(user_id) if isinstance(user_id, int) else None,
    )


def text(msg: Json) -> str | None:
    return clean_optional(msg.get("text"))
