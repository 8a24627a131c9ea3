"""What the Zalo channel can show, for the core's reply renderer (issue 8 brings the
`Capabilities` type; until then these are plain values under the names it is to have).

Sources: ../shared/facts/channels.md §4 — 5 buttons with titles of at most 20 characters
[code]; presses come back as text [code]; no location or phone request button; no edits;
documents only of some types (render.py falls back to text); the text and payload limits
are unconfirmed settings.
"""

from __future__ import annotations

from bot.channels.zalo.settings import ZaloSettings


def capabilities(settings: ZaloSettings) -> dict[str, int | bool]:
    return {
        "max_text": settings.max_text_chars,
        "buttons_per_message": settings.max_buttons,
        # A template's buttons are drawn one under another: one per row.
        "buttons_per_row": 1,
        "max_label": settings.max_button_title,
        "max_payload": settings.max_payload_chars - len(settings.payload_prefix),
        "documents": True,
        "locations": False,  # sent as text with a map link
        "contact_request": False,
        "location_request": False,
        "editing": False,
        "presses_as_text": True,
    }
