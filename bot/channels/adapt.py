"""Fitting replies to what a channel can show (its `Capabilities`), so a feature writes one
reply and it works on Telegram, on a Zalo-like channel (5 buttons, 20-character titles) and on
the terminal.

- A text longer than the channel takes is split at paragraphs, then lines (bot/channels/text.py);
  the buttons go under the last part.
- A row with more buttons than the channel puts side by side is wrapped.
- A label longer than the channel shows is shortened: its leading emoji goes first, then words
  from the end, marked with "…".
- More buttons than one message may carry are paged: the first page shows what fits and a
  "More…" button; the rest wait in `Paged.pages`, which the core keeps in the user's dialog
  state and shows, page by page, when "More…" is pressed (bot/core.py).
- What the channel cannot send at all becomes text: a map pin becomes its name, address and
  coordinates; a document its caption; request buttons are dropped (the question above them
  always says the user may type the answer instead).

`violations(replies, caps)` lists what would break a channel; tests use it on every reply of
the conversation suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.channels.profiles import Capabilities
from bot.channels.text import split_text, units
from bot.i18n import _
from bot.types import Button, ButtonKind, Reply

MORE = "more:"  # payload prefix of "More…": short ASCII, also for channels that send it as text
_REQUESTS = (ButtonKind.REQUEST_CONTACT, ButtonKind.REQUEST_LOCATION)
Rows = tuple[tuple[Button, ...], ...]


@dataclass
class Paged:
    replies: list[Reply]
    # Buttons not shown yet, one list per later page ([label, payload, kind, url] each).
    pages: list[list[list[str]]] = field(default_factory=list)


def fits(replies: list[Reply], caps: Capabilities) -> bool:
    """True when nothing needs changing (the common case, checked cheaply)."""
    for reply in replies:
        if reply.text and caps.max_text is not None and 2 * len(reply.text) > caps.max_text:
            if units(reply.text) > caps.max_text:
                return False
        if (reply.document and not caps.documents) or (reply.location and not caps.locations):
            return False
        if reply.image is not None and not caps.images:
            return False
        if reply.buttons and not _buttons_fit_cached(reply.buttons, caps):
            return False
    return True


# Buttons already checked, by identity: the menu's buttons are one cached tuple (handlers/
# menu.py), so the most frequent reply is checked once, not on every /menu. Entries keep
# their tuple alive, so an id is never mistaken for another's; the size is bounded.
_CHECKED: dict[int, tuple[Rows, Capabilities, bool]] = {}
_CHECKED_MAX = 1024


def _buttons_fit_cached(buttons: Rows, caps: Capabilities) -> bool:
    found = _CHECKED.get(id(buttons))
    if found is not None and found[0] is buttons and found[1] is caps:
        return found[2]
    ok = _buttons_fit(buttons, caps)
    if len(_CHECKED) >= _CHECKED_MAX:
        _CHECKED.clear()
    _CHECKED[id(buttons)] = (buttons, caps, ok)
    return ok


def _buttons_fit(buttons: Rows, caps: Capabilities) -> bool:
    count = 0
    for row in buttons:
        if caps.max_buttons_per_row is not None and len(row) > caps.max_buttons_per_row:
            return False
        for b in row:
            count += 1
            if caps.max_label is not None and len(b.label) > caps.max_label:
                return False
            limit = caps.max_payload_bytes
            if limit is not None and 4 * len(b.payload) > limit:
                if len(b.payload.encode()) > limit:
                    return False
            if b.kind in _REQUESTS and not (
                caps.request_contact
                if b.kind is ButtonKind.REQUEST_CONTACT
                else caps.request_location
            ):
                return False
    return caps.max_buttons is None or count <= caps.max_buttons


def adapt(replies: list[Reply], caps: Capabilities, *, paging: bool = True) -> Paged:
    """The replies as the channel can show them. Without `paging` (the outbox: nobody can
    press "More…" on a reminder days later) buttons beyond what fits are left out."""
    if fits(replies, caps):
        return Paged(replies)
    out: list[Reply] = []
    pages: list[list[list[str]]] = []
    for reply in replies:
        reply = _without_unsendable(reply, caps)
        rows = _fitted_rows(reply.buttons, caps)
        count = sum(len(r) for r in rows)
        if caps.max_buttons is not None and count > caps.max_buttons:
            flat = [b for r in rows for b in r]
            if paging and not pages and caps.max_buttons >= 2:
                first, rest = flat[: caps.max_buttons - 1], flat[caps.max_buttons - 1 :]
                pages = _pages(rest, caps.max_buttons)
                rows = tuple((b,) for b in first) + ((_more_button(1, caps),),)
            else:
                rows = tuple((b,) for b in flat[: caps.max_buttons])
        reply = replace(reply, buttons=rows)
        out += _split(reply, caps)
    return Paged(out, pages)


def page(pages: list[list[list[str]]], number: int, caps: Capabilities) -> Reply | None:
    """Page `number` (1 = the first page after the message's own) as a reply, or None."""
    if not 1 <= number <= len(pages):
        return None
    buttons = [_button(raw) for raw in pages[number - 1]]
    rows: Rows = tuple((b,) for b in buttons)
    if number < len(pages):
        rows += ((_more_button(number + 1, caps),),)
    return Reply(text=_("More choices:"), buttons=rows)


def page_payloads(pages: list[list[list[str]]]) -> list[str]:
    return [raw[1] for p in pages for raw in p if raw[2] == ButtonKind.CALLBACK.value]


def _pages(buttons: list[Button], size: int) -> list[list[list[str]]]:
    """Pages of at most `size` buttons; every page but the last keeps a place for "More…"."""
    pages: list[list[list[str]]] = []
    rest = buttons
    while rest:
        take = len(rest) if len(rest) <= size else size - 1
        pages.append([[b.label, b.payload, b.kind.value, b.url or ""] for b in rest[:take]])
        rest = rest[take:]
    return pages


def _button(raw: list[str]) -> Button:
    label, payload, kind, url = raw
    return Button(label, payload, ButtonKind(kind), url or None)


def _more_button(number: int, caps: Capabilities) -> Button:
    return Button(shorten(_("More…"), caps.max_label), f"{MORE}{number}")


def _without_unsendable(reply: Reply, caps: Capabilities) -> Reply:
    extra: list[str] = []
    changes: dict = {}
    if reply.document is not None and not caps.documents:
        if reply.document.caption:
            extra.append(reply.document.caption)
        changes["document"] = None
    if reply.location is not None and not caps.locations:
        loc = reply.location
        words = ", ".join(w for w in (loc.title, loc.address) if w)
        where = f"{loc.latitude:.6f},{loc.longitude:.6f}"
        extra.append(f"📍 {words} ({where})" if words else f"📍 {where}")
        changes["location"] = None
    if reply.image is not None and not caps.images:
        changes["image"] = None
    if not changes:
        return reply
    text = "\n\n".join(t for t in (reply.text, *extra) if t) or None
    return replace(reply, text=text, **changes)


def _fitted_rows(buttons: Rows, caps: Capabilities) -> Rows:
    kept: list[tuple[Button, ...]] = []
    per_row = caps.max_buttons_per_row
    for row in buttons:
        fitted = tuple(_fitted(b, caps) for b in row if _can_show(b, caps))
        if per_row is not None:
            kept += [fitted[i : i + per_row] for i in range(0, len(fitted), per_row)]
        elif fitted:
            kept.append(fitted)
    return tuple(r for r in kept if r)


def _can_show(b: Button, caps: Capabilities) -> bool:
    if b.kind is ButtonKind.REQUEST_CONTACT:
        return caps.request_contact
    if b.kind is ButtonKind.REQUEST_LOCATION:
        return caps.request_location
    return True


def _fitted(b: Button, caps: Capabilities) -> Button:
    limit = caps.max_payload_bytes
    if limit is not None and len(b.payload.encode()) > limit:
        # Payloads carry ids the handler needs whole: a feature made one too long.
        raise ValueError(f"button payload over {limit} bytes: {b.payload!r}")
    label = shorten(b.label, caps.max_label)
    return b if label == b.label else replace(b, label=label)


def shorten(label: str, limit: int | None) -> str:
    """The label in at most `limit` characters: without its leading emoji if that is enough,
    else cut after a whole word with "…"."""
    if limit is None or len(label) <= limit:
        return label
    first, _sep, rest = label.partition(" ")
    if rest and not any(ch.isalnum() for ch in first):
        label = rest  # "📅 Book a visit" → "Book a visit"
        if len(label) <= limit:
            return label
    cut = label[: limit - 1]
    whole = cut.endswith(" ") or label[limit - 1] == " "
    if not whole and " " in cut.strip():
        cut = cut[: cut.rstrip().rfind(" ")]  # not half a word
    return cut.rstrip(" ,.:;-–—") + "…"


def _split(reply: Reply, caps: Capabilities) -> list[Reply]:
    if not reply.text or caps.max_text is None or units(reply.text) <= caps.max_text:
        return [reply]
    parts = split_text(reply.text, caps.max_text)
    head = [Reply(text=part) for part in parts[:-1]]
    return [*head, replace(reply, text=parts[-1])]


def violations(replies: list[Reply], caps: Capabilities) -> list[str]:
    """What in `replies` the channel could not show, in words (empty: all fine)."""
    found: list[str] = []
    for n, reply in enumerate(replies):
        where = f"reply {n}"
        if reply.text and caps.max_text is not None and units(reply.text) > caps.max_text:
            found.append(f"{where}: text of {units(reply.text)} > {caps.max_text}")
        if reply.document is not None and not caps.documents:
            found.append(f"{where}: a document")
        if reply.location is not None and not caps.locations:
            found.append(f"{where}: a location")
        if reply.image is not None and not caps.images:
            found.append(f"{where}: an image")
        count = sum(len(row) for row in reply.buttons)
        if caps.max_buttons is not None and count > caps.max_buttons:
            found.append(f"{where}: {count} buttons > {caps.max_buttons}")
        for row in reply.buttons:
            if caps.max_buttons_per_row is not None and len(row) > caps.max_buttons_per_row:
                found.append(f"{where}: a row of {len(row)} > {caps.max_buttons_per_row}")
            for b in row:
                if caps.max_label is not None and len(b.label) > caps.max_label:
                    found.append(f"{where}: label {b.label!r} > {caps.max_label}")
                if not _can_show(b, caps):
                    found.append(f"{where}: a {b.kind.value} button")
                size = len(b.payload.encode())
                if caps.max_payload_bytes is not None and size > caps.max_payload_bytes:
                    found.append(f"{where}: payload {b.payload!r} > {caps.max_payload_bytes} B")
    return found
