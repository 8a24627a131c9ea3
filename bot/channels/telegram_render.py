"""How one `Reply` becomes Bot API calls: which messages, in which order, which keyboard.

CALLBACK/URL buttons become an inline keyboard on the last message of a reply.
REQUEST_CONTACT/REQUEST_LOCATION buttons need Telegram's reply keyboard (one-time) on the first
message; the channel removes it with its next message to that chat (`remove_keyboard`). A
message carries only one keyboard, so a question that needs both carries one reply keyboard
with the choices as plain buttons (their labels read back as presses by the channel). Texts over 4096 characters are split at paragraphs, then lines; a document caption
too long for Telegram follows the document as text.

The calls are plain Bot API parameters, keyboards already JSON: the same menu goes to many
people, so each keyboard is serialised once and cached, instead of being built as PTB objects
and serialised again for every message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from telegram import InputFile

from bot.channels.telegram_update import KEPT
from bot.channels.text import split_text, units
from bot.types import Button, ButtonKind, Reply

MAX_TEXT = 4096
MAX_CAPTION = 1024
# Shown alone only for a reply that is nothing but buttons.
POINTER = "👇"
REMOVE_KEYBOARD = json.dumps({"remove_keyboard": True})

_REQUEST_KINDS = (ButtonKind.REQUEST_CONTACT, ButtonKind.REQUEST_LOCATION)
Rows = tuple[tuple[Button, ...], ...]


@dataclass
class Out:
    """One Bot API call that shows part of a reply; `chat_id` is added when it is sent."""

    method: str
    params: dict[str, Any] = field(default_factory=dict)
    keyboard: str | None = None  # "inline", "request" or "remove"
    # The choices of a combined reply keyboard: label → payload (see `plan`).
    labels: dict[str, str] | None = None

    def attach(self, markup: str, keyboard: str) -> None:
        self.params["reply_markup"] = markup
        self.keyboard = keyboard


def _inline_button(b: Button, keep: bool = False) -> dict[str, str]:
    if b.kind is ButtonKind.CALLBACK:
        return {"text": b.label, "callback_data": f"{KEPT}{b.payload}" if keep else b.payload}
    return {"text": b.label, "url": b.url or ""}


@lru_cache(maxsize=4096)
def keyboards(buttons: Rows, keep: bool = False) -> tuple[str | None, str | None]:
    """The inline and the request keyboard of a reply's buttons, as JSON (either may be None).
    One cache lookup for both: hashing and comparing the buttons is most of the cost."""
    return inline_keyboard(buttons, keep), request_keyboard(buttons)


def inline_keyboard(buttons: Rows, keep: bool = False) -> str | None:
    rows = [
        [_inline_button(b, keep) for b in row if b.kind in (ButtonKind.CALLBACK, ButtonKind.URL)]
        for row in buttons
    ]
    rows = [row for row in rows if row]
    return json.dumps({"inline_keyboard": rows}) if rows else None


def request_keyboard(buttons: Rows) -> str | None:
    rows = [
        [
            {
                "text": b.label,
                "request_contact"
                if b.kind is ButtonKind.REQUEST_CONTACT
                else "request_location": True,
            }
            for b in row
            if b.kind in _REQUEST_KINDS
        ]
        for row in buttons
    ]
    rows = [row for row in rows if row]
    if not rows:
        return None
    return json.dumps({"keyboard": rows, "one_time_keyboard": True, "resize_keyboard": True})


def _texts(text: str) -> list[Out]:
    if 2 * len(text) <= MAX_TEXT:  # fits even if every character took two UTF-16 units
        return [Out("sendMessage", {"text": text})]
    return [Out("sendMessage", {"text": part}) for part in split_text(text, MAX_TEXT)]


def _content(reply: Reply) -> list[Out]:
    if reply.photo_id is not None:  # a picture Telegram holds: sent by its id, text as caption
        fits = reply.text is None or units(reply.text) <= MAX_CAPTION
        items = [
            Out("sendPhoto", {"photo": reply.photo_id, "caption": reply.text if fits else None})
        ]
        if not fits:
            items += _texts(reply.text or "")
        return items
    items = _texts(reply.text) if reply.text else []
    if reply.document is not None:
        doc = reply.document
        fits = doc.caption is None or units(doc.caption) <= MAX_CAPTION
        file = InputFile(doc.data, filename=doc.filename)
        file.mimetype = doc.mime_type
        items.append(
            Out("sendDocument", {"document": file, "caption": doc.caption if fits else None})
        )
        if not fits:
            items += _texts(doc.caption or "")
    if reply.location is not None:
        loc = reply.location
        where = {"latitude": loc.latitude, "longitude": loc.longitude}
        if loc.title:
            items.append(
                Out(
                    "sendVenue", {**where, "title": loc.title, "address": loc.address or loc.title}
                )
            )
        else:
            items.append(Out("sendLocation", where))
    return items


def plan(reply: Reply, remove_keyboard: bool = False) -> list[Out]:
    """The calls that show `reply`, in order, each with its keyboard.

    A question that needs both keyboards in one message (a location button beside choices)
    carries ONE reply keyboard: the request button and the choices as plain buttons, whose
    labels the channel reads back as presses (`Out.labels`). A reply keyboard left open is
    removed by the next message that has no inline keyboard of its own to carry."""
    items = _content(reply)
    inline, request = keyboards(reply.buttons, reply.keep) if reply.buttons else (None, None)
    if not items and (inline or request):
        items.append(Out("sendMessage", {"text": POINTER}))
    if not items:
        return []
    if request is not None and inline is not None and len(items) == 1:
        items[0].attach(combined_keyboard(reply.buttons), "request")
        items[0].labels = label_payloads(reply.buttons)
        return items
    if request is not None:
        items[0].attach(request, "request")
    elif remove_keyboard and (inline is None or len(items) > 1):
        items[0].attach(REMOVE_KEYBOARD, "remove")
    if inline is not None:
        items[-1].attach(inline, "inline")
    return items


@lru_cache(maxsize=1024)
def combined_keyboard(buttons: Rows) -> str:
    """One reply keyboard: request buttons as they are, choices as plain text buttons (URL
    buttons cannot be in a reply keyboard and are left out)."""
    rows = []
    for row in buttons:
        keys = []
        for b in row:
            if b.kind is ButtonKind.REQUEST_CONTACT:
                keys.append({"text": b.label, "request_contact": True})
            elif b.kind is ButtonKind.REQUEST_LOCATION:
                keys.append({"text": b.label, "request_location": True})
            elif b.kind is ButtonKind.CALLBACK:
                keys.append({"text": b.label})
        if keys:
            rows.append(keys)
    return json.dumps({"keyboard": rows, "one_time_keyboard": True, "resize_keyboard": True})


def label_payloads(buttons: Rows) -> dict[str, str]:
    """A choice's label → its payload, for the plain buttons of a combined keyboard."""
    found: dict[str, str] = {}
    for row in buttons:
        for b in row:
            if b.kind is ButtonKind.CALLBACK:
                found.setdefault(b.label, b.payload)
    return found


def as_edit(reply: Reply) -> dict[str, Any] | None:
    """editMessageText parameters when `reply` can replace a pressed message: one text
    message with at most an inline keyboard."""
    if not reply.edit:
        return None
    items = plan(reply)
    if len(items) != 1 or items[0].method != "sendMessage":
        return None
    if items[0].keyboard not in (None, "inline"):
        return None
    return items[0].params
