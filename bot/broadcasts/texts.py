"""How broadcasts read: the message a citizen gets (who it is from, the officer's text, how to
stop news, the "🔕 Stop news" button) and what the officer is told while it goes out. Numbers
are grouped the way the reader's language does it ("1.200" in Vietnamese)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal

from bot.i18n import _, current_locale

STOP_NEWS = "news:stop"


def number(n: int) -> str:
    return format_decimal(n, locale=current_locale())


@dataclass(frozen=True, slots=True)
class Sender:
    """Who a broadcast is from, as the recipient will read it (translated when rendered)."""

    kind: str  # units | point | session | everyone
    names: tuple[str, ...] = ()  # unit labels, or the point's name
    when: str = ""  # the session's day and time (already in the recipient's language)


def header(sender: Sender) -> str:
    if sender.kind == "units":
        return _("📣 News from {unit}", unit=", ".join(sender.names))
    if sender.kind == "point":
        return _("📣 A message from the support point {point}", point=sender.names[0])
    if sender.kind == "session":
        return _(
            "📣 About your visit to {point} ({when})", point=sender.names[0], when=sender.when
        )
    return _("📣 News from Trợ lý số")


def citizen_message(sender: Sender, text: str) -> tuple[str, list[list[dict[str, Any]]]]:
    """The text and buttons of one broadcast message, in the current locale."""
    body = "\n\n".join(
        [
            header(sender),
            text.strip(),
            _("To get no more news, press “🔕 Stop news” or type /stop."),
        ]
    )
    return body, [[{"label": _("🔕 Stop news"), "payload": STOP_NEWS}]]


def officer_buttons() -> list[list[dict[str, Any]]]:
    return [[{"label": _("🛠 Officer tools"), "payload": "ofc"}]]


def progress(broadcast_id: int, sent: int, total: int) -> str:
    return _(
        "📣 Broadcast no. {id}: sent {sent} / {total}",
        id=broadcast_id,
        sent=number(sent),
        total=number(total),
    )


def report(
    broadcast_id: int,
    delivered: int,
    unreachable: int,
    failed: int,
    skipped: int,
    undeliverable: dict[str, int] | None = None,
) -> str:
    lines = [
        _("📣 Broadcast no. {id} is finished.", id=broadcast_id),
        _("✅ Delivered: {n}", n=number(delivered)),
        _("🚫 Unreachable (blocked the bot or left the messenger): {n}", n=number(unreachable)),
        _("⚠️ Failed: {n}", n=number(failed)),
    ]
    # Refused by the person's messenger, per reason (the channel's send policy gives the
    # reason as a msgid: bot/channels/policy.py).
    for reason, n in sorted((undeliverable or {}).items()):
        lines.append(
            _("📵 Not allowed by the messenger ({reason}): {n}", reason=_(reason), n=number(n))
        )
    if skipped:
        lines.append(
            _("🔕 Not sent because they turned news off meanwhile: {n}", n=number(skipped))
        )
    return "\n".join(lines)
