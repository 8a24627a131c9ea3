"""Channel-neutral message types: what a channel hands the core and what the core hands back.

A channel turns its platform update into one frozen `Incoming` and renders each `Reply`.
Nothing here knows one messenger from another: what a channel can show is its `Capabilities`
(bot/channels/profiles.py), and the core fits replies to them (bot/channels/adapt.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class ButtonKind(StrEnum):
    CALLBACK = "callback"  # pressing it sends `payload` back to the bot
    REQUEST_CONTACT = "request_contact"  # asks the messenger to share the user's own phone
    REQUEST_LOCATION = "request_location"  # asks the messenger to share the current location
    URL = "url"  # opens `url`; nothing comes back to the bot


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    payload: str = ""
    kind: ButtonKind = ButtonKind.CALLBACK
    url: str | None = None

    def __post_init__(self) -> None:
        # How long a payload may be is the channel's to say (bot/channels/profiles.py).
        if self.kind is ButtonKind.CALLBACK and not self.payload:
            raise ValueError("a button needs a payload")
        if self.kind is ButtonKind.URL and not self.url:
            raise ValueError("a URL button needs a url")


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float
    # Set when the location is a named place (a support point): rendered as a venue.
    title: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str
    first_name: str = ""
    # The messenger's id of the person whose number this is, when the messenger says so;
    # equal to the sender's id when the user shared their own number.
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class Photo:
    """A picture the user sent, kept by the channel: only its id there (never the bytes), and
    the words written with it."""

    file_id: str
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    filename: str
    data: bytes
    mime_type: str = "application/octet-stream"
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a user did: typed text, pressed a button, shared a location, contact or file."""

    channel: str
    chat_id: str
    user_id: str
    text: str | None = None
    payload: str | None = None
    location: Location | None = None
    contact: Contact | None = None
    document: Document | None = None
    # The messenger's hint of the user's language (an IETF tag such as "vi"), if any.
    language_hint: str | None = None
    # The platform's id of the update, for logs (never the user's data).
    update_id: str | None = None
    # Its row in the inbox (bot/inbox.py) when the channel stored it on arrival: the core marks
    # it done in the handler's transaction, and drops an update handled already.
    inbox_id: int | None = None
    # The user sent something the bot cannot read (a picture, a sticker, a voice message):
    # its kind, so the core can say what it reads instead. None for everything else.
    unreadable: str | None = None
    # A picture, from a channel that passes pictures on (`Capabilities.inbound_photos`).
    photo: Photo | None = None

    @property
    def command(self) -> str | None:
        """`/start` for "/start p_hk1"; None when the text is not a command."""
        if not self.text or not self.text.startswith("/"):
            return None
        word = self.text.split(maxsplit=1)[0]
        return word.split("@", 1)[0].lower()

    @property
    def command_args(self) -> str:
        if not self.command or self.text is None:
            return ""
        parts = self.text.split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""


@dataclass(frozen=True, slots=True)
class Reply:
    """One message back. Buttons are rows of buttons."""

    text: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    document: Document | None = None
    location: Location | None = None
    # A picture sent with this message (`text` is its caption): a PNG/JPEG/WebP file, e.g. a
    # guide step's screenshot. Channels render it as a photo.
    image: Path | None = None
    # A picture the channel already holds, by the channel's own id (a citizen's photo passed on
    # to an officer of the same channel); `text` is its caption.
    photo_id: str | None = None
    # When the user pressed a button, replace the message that carried it instead of
    # sending a new one (channels that cannot edit send a new message).
    edit: bool = False
    # A confirmation or a booking code: never replaced by a reply to one of its buttons
    # (navigation from it sends a new message), only by another kept reply that brings it
    # up to date (a reminder once answered).
    keep: bool = False
    # A short answer to a button press (text only): a messenger that can answer a press shows
    # it over the chat (a "toast"); the others send it as a message.
    toast: bool = False
    # Extra rendering hints a channel may ignore.
    hints: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def payloads(self) -> list[str]:
        return [b.payload for row in self.buttons for b in row if b.kind is ButtonKind.CALLBACK]


def rows(*buttons: Button, per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out `per_row` to a row (one per row suits big thumbs on small phones)."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
