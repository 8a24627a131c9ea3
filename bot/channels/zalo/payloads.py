"""How a button's payload travels on Zalo, where a press comes back as the user's text.

A Zalo button of type `oa.query.hide` makes the user's app send its payload as an ordinary
`user_send_text`, without showing it in the chat [code: ChatbotX `send-button.ts` with a
`postback_` prefix; an independent Node bot — ../shared/facts/channels.md §4 "Corrections"].
So every payload we send starts with a short ASCII prefix (`#b:` by default) that people do not
type; a text that starts with it is read back as a button press. Whether the press is acted
on is the core's offered-payload check (bot/router.py): a typed or stale one is refused like a
forged Telegram callback, so the prefix only has to make presses recognisable, not secret.
"""

from __future__ import annotations

from bot.channels.zalo.settings import ZaloSettings


class PayloadTooLong(ValueError):
    """A payload longer than Zalo is trusted to carry back (the limit is unknown)."""


def encode(settings: ZaloSettings, payload: str) -> str:
    """The text a button carries for `payload`."""
    if not payload.isascii():
        raise ValueError("button payloads must be ASCII on Zalo")
    text = settings.payload_prefix + payload
    if len(text) > settings.max_payload_chars:
        raise PayloadTooLong(
            f"payload of {len(text)} characters over {settings.max_payload_chars}"
        )
    return text


def decode(settings: ZaloSettings, text: str) -> str | None:
    """The payload when `text` is a button press, else None (the user typed it)."""
    if not text.startswith(settings.payload_prefix):
        return None
    payload = text[len(settings.payload_prefix) :].strip()
    return payload if payload and payload.isascii() else None
