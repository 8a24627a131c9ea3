"""What the Zalo channel can show, for the core's reply renderer (bot/channels/adapt.py).

Sources: ../shared/facts/channels.md §4 — 5 buttons with titles of at most 20 characters
[code]; presses come back as text [code]; no location request button; a phone request is
Zalo's `request_user_info` form (render.py), whose reply is the user's own contact; no edits;
documents only of some types (render.py falls back to text); locations are sent as text with
a map link (render.py); the text limit is an unconfirmed setting.
"""

from __future__ import annotations

from bot.channels.profiles import Capabilities
from bot.channels.zalo.settings import ZaloSettings


def capabilities(settings: ZaloSettings) -> Capabilities:
    return Capabilities(
        max_text=settings.max_text_chars,
        max_buttons=settings.max_buttons,
        # A template's buttons are drawn one under another: one per row.
        max_buttons_per_row=1,
        max_label=settings.max_button_title,
        # Payloads are ASCII (payloads.py), so bytes = characters; the prefix takes its share.
        max_payload_bytes=settings.max_payload_chars - len(settings.payload_prefix),
        documents=True,
        locations=True,
        images=True,
        request_contact=True,  # as a `request_user_info` form (render.py)
        request_location=False,
        edit=False,
        presses_as_text=True,
    )
