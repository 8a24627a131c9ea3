"""How one `Reply` becomes Zalo OA messages, and the channel's `send` that sends them.

- Text: one consultation message per part, split at paragraphs then lines when longer than
  `max_text_chars` [unconfirmed limit, a setting].
- Buttons: a `template` attachment with at most `max_buttons` buttons on the last text
  [code: PHP SDK `MessageBuilder.php` ("text" with `attachment.payload.buttons`)]. CALLBACK
  buttons are `oa.query.hide`, whose payload comes back as the user's text (payloads.py); URL
  buttons `oa.open.url`. Titles are cut to `max_button_title` characters; more buttons than
  fit go on following messages with a "👇" (the core's capability renderer, issue 8, pages
  them properly — this only keeps a reply from being refused). Zalo has no button that asks
  for the user's location or phone: REQUEST_* buttons are left out (the user shares a
  location from Zalo's own menu, and types a phone number).
- A picture: uploaded, then a `template_type: media` message, the reply's text with it.
- A document: uploaded, then `attachment{type: file}` when its extension is in
  `file_extensions`. Otherwise, or when Zalo refuses it, the user gets its caption and, for a
  calendar file, an "add to calendar" link built from the event (`DocumentRefused` is caught
  here; the result lists it so the caller can say so).
- A location: its title, address and a map link as text (no location message is known).
- `edit`: Zalo cannot edit a sent message; a new one is sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from bot.channels.text import split_text
from bot.channels.zalo import payloads
from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.errors import DocumentRefused, Failed
from bot.channels.zalo.settings import ZaloSettings
from bot.i18n import _
from bot.types import Button, ButtonKind, Document, Location, Reply

log = logging.getLogger(__name__)

POINTER = "👇"
Json = dict[str, Any]


@dataclass
class Out:
    """One thing to send: a message, or an upload followed by the message that shows it."""

    message: Json = field(default_factory=dict)
    image: tuple[bytes, str, str] | None = None  # (data, filename, mime)
    document: Document | None = None


def shorten(label: str, limit: int) -> str:
    label = " ".join(label.split())
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _button(settings: ZaloSettings, b: Button) -> Json | None:
    title = shorten(b.label, settings.max_button_title)
    if b.kind is ButtonKind.CALLBACK:
        return {
            "title": title,
            "type": "oa.query.hide",
            "payload": payloads.encode(settings, b.payload),
        }
    if b.kind is ButtonKind.URL and b.url:
        return {"title": title, "type": "oa.open.url", "payload": {"url": b.url}}
    return None


def buttons_of(settings: ZaloSettings, reply: Reply) -> list[Json]:
    return [j for row in reply.buttons for b in row if (j := _button(settings, b)) is not None]


def _with_buttons(text: str, buttons: list[Json]) -> Json:
    message: Json = {"text": text}
    if buttons:
        message["attachment"] = {"type": "template", "payload": {"buttons": buttons}}
    return message


def map_link(settings: ZaloSettings, where: Location) -> str:
    return settings.map_url.format(lat=f"{where.latitude:.6f}", lon=f"{where.longitude:.6f}")


def location_text(settings: ZaloSettings, where: Location) -> str:
    lines = [f"📍 {where.title}"] if where.title else []
    if where.address and where.address != where.title:
        lines.append(where.address)
    lines.append(map_link(settings, where))
    return "\n".join(lines)


def plan(settings: ZaloSettings, reply: Reply) -> list[Out]:
    """The messages that show `reply`, in order."""
    texts = split_text(reply.text, settings.max_text_chars) if reply.text else []
    outs: list[Out] = []
    if reply.image is not None:
        caption = texts.pop(0) if len(texts) == 1 else ""
        outs += [Out(_with_buttons(t, [])) for t in texts]
        suffix = reply.image.suffix.lower().lstrip(".")
        mime = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}.get(
            suffix, "image/png"
        )
        outs.append(
            Out({"text": caption}, image=(reply.image.read_bytes(), reply.image.name, mime))
        )
    else:
        outs += [Out(_with_buttons(t, [])) for t in texts]
    if reply.document is not None:
        outs.append(Out(document=reply.document))
    if reply.location is not None:
        outs.append(Out(_with_buttons(location_text(settings, reply.location), [])))
    buttons = buttons_of(settings, reply)
    size = settings.max_buttons
    groups = [buttons[i : i + size] for i in range(0, len(buttons), size)]
    if groups:
        last = outs[-1] if outs and outs[-1].document is None else None
        if last is None:
            last = Out({"text": POINTER})
            outs.append(last)
        _attach(last, groups[0])
        for group in groups[1:]:
            outs.append(Out(_with_buttons(POINTER, group)))
    outs += [Out(info_form(settings, b.label)) for b in _contact_requests(reply)]
    return outs


def _contact_requests(reply: Reply) -> list[Button]:
    return [b for row in reply.buttons for b in row if b.kind is ButtonKind.REQUEST_CONTACT]


def info_form(settings: ZaloSettings, title: str) -> Json:
    """A "share my phone number" button as Zalo's `request_user_info` form: a card the user
    taps to send the name and phone number Zalo knows, which comes back as
    `user_submit_info` (events.py) — a number given by the person, with consent [code]. The
    card's shape (`elements` with `title`, `subtitle`, `image_url`) is from integrators' docs
    [secondary]; whether `image_url` is required is unknown (`info_form_image_url`)."""
    element: Json = {
        "title": title,
        "subtitle": _("Tap here to send me your phone number."),
    }
    if settings.info_form_image_url:
        element["image_url"] = settings.info_form_image_url
    return {
        "attachment": {
            "type": "template",
            "payload": {"template_type": "request_user_info", "elements": [element]},
        }
    }


def _attach(out: Out, buttons: list[Json]) -> None:
    payload = out.message.setdefault("attachment", {"type": "template", "payload": {}})
    payload["payload"]["buttons"] = buttons


def _media(attachment_id: str, message: Json) -> Json:
    payload: Json = {
        "template_type": "media",
        "elements": [{"media_type": "image", "attachment_id": attachment_id}],
    }
    buttons = message.get("attachment", {}).get("payload", {}).get("buttons")
    if buttons:
        payload["buttons"] = buttons
    result: Json = {"attachment": {"type": "template", "payload": payload}}
    if message.get("text"):
        result["text"] = message["text"]
    return result


def calendar_link(document: Document) -> str | None:
    """A Google Calendar "add event" link for an .ics document's first event, or None."""
    if not document.filename.lower().endswith(".ics"):
        return None
    try:
        from icalendar import Calendar

        event = next(iter(Calendar.from_ical(document.data).walk("VEVENT")), None)
    except (ValueError, KeyError):
        return None
    if event is None or event.get("DTSTART") is None:
        return None
    start = event.decoded("DTSTART")
    end = event.decoded("DTEND") if event.get("DTEND") is not None else start
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return None

    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    query = {
        "action": "TEMPLATE",
        "text": str(event.get("SUMMARY", "")),
        "dates": f"{stamp(start)}/{stamp(end)}",
        "location": str(event.get("LOCATION", "")),
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def document_fallback(document: Document) -> str:
    """What the user reads instead of a document Zalo does not take."""
    lines = [document.caption] if document.caption else []
    link = calendar_link(document)
    if link:
        lines.append(_("Zalo cannot send calendar files. Add the visit to your calendar here:"))
        lines.append(link)
    else:
        lines.append(_("Zalo cannot send this file here."))
    return "\n".join(lines)


@dataclass
class Sent:
    """What a `send` did: Zalo's message ids, and documents shown as text instead."""

    message_ids: list[str] = field(default_factory=list)
    documents_as_text: list[str] = field(default_factory=list)


class ZaloSender:
    """Sends replies to one user; the Zalo half of the `Channel` protocol."""

    name = "zalo"

    def __init__(self, client: ZaloClient, settings: ZaloSettings):
        self.client = client
        self.settings = settings

    async def send(self, chat_id: str, replies: list[Reply], reply_to: str | None = None) -> Sent:
        """Send `replies` to a user; `reply_to` is the id of the message they answer, if any
        (a reminder or a notice has none)."""
        sent = Sent()
        for reply in replies:
            for out in plan(self.settings, reply):
                await self._one(chat_id, out, sent, reply_to)
        return sent

    async def _one(self, user_id: str, out: Out, sent: Sent, reply_to: str | None) -> None:
        if out.document is not None:
            await self._document(user_id, out.document, sent, reply_to)
            return
        message = out.message
        if out.image is not None:
            attachment_id = await self.client.upload_image(*out.image)
            message = _media(attachment_id, message)
        sent.message_ids.append(await self.client.send_message(user_id, message, reply_to))

    async def _document(
        self, user_id: str, document: Document, sent: Sent, reply_to: str | None
    ) -> None:
        async def message(body: Json) -> None:
            sent.message_ids.append(await self.client.send_message(user_id, body, reply_to))

        try:
            token = await self._upload(document)
            await message({"attachment": {"type": "file", "payload": {"token": token}}})
            if document.caption:
                await message({"text": document.caption})
        except DocumentRefused as e:
            log.info("zalo: a .%s document was shown as text (%s)", e.extension, e)
            sent.documents_as_text.append(document.filename)
            for part in split_text(document_fallback(document), self.settings.max_text_chars):
                await message({"text": part})

    async def _upload(self, document: Document) -> str:
        extension = (
            document.filename.rsplit(".", 1)[-1].lower() if "." in document.filename else ""
        )
        if extension not in self.settings.file_extensions:
            raise DocumentRefused(document.filename)
        try:
            return await self.client.upload_file(
                document.data, document.filename, document.mime_type
            )
        except Failed as e:
            # Zalo does not say which code means "type not accepted": any refusal of the
            # upload itself falls back to text (token, rate and window errors pass through).
            raise DocumentRefused(document.filename, e.code) from None
