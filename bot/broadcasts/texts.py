"""How broadcasts read: the message a citizen gets (who it is from, the officer's text, how to
stop news, the "🔕 Stop news" button) and what the officer is told while it goes out. Numbers
are grouped the way the reader's language does it ("1.200" in Vietnamese)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from babel.numbers import format_decimal

from bot.i18n import _, current_locale, ngettext

if TYPE_CHECKING:
    from bot.broadcasts.audience import Reach

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
    delivered_by_channel: dict[str, int] | None = None,
) -> str:
    lines = [
        _("📣 Broadcast no. {id} is finished.", id=broadcast_id),
        _("✅ Delivered: {n}", n=number(delivered)),
    ]
    if delivered_by_channel and delivered:
        # "<messenger> 900, <messenger> 250": each channel's title (its profile), the number.
        per = ", ".join(f"{title} {number(n)}" for title, n in delivered_by_channel.items())
        lines[-1] += f" ({per})"
    lines += [
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


def reach_lines(reach: Reach, title_of: Callable[[str], str]) -> list[str]:
    """ "Reachable now: <messenger> 900, <messenger> 250." and, when some are beyond their
    messenger's reply window, how many wait until they write."""
    if not reach.total:
        return []
    now = ", ".join(f"{title_of(ch)} {number(n)}" for ch, n in reach.now.items())
    lines = [_("Reachable now: {channels}.", channels=now or number(0))]
    if reach.waiting_total:
        lines.append(
            ngettext(
                "{count} person cannot get it until they write to the bot again ({channels}: "
                "the messenger only lets the bot write to people who wrote recently).",
                "{count} people cannot get it until they write to the bot again ({channels}: "
                "the messenger only lets the bot write to people who wrote recently).",
                reach.waiting_total,
                count=number(reach.waiting_total),
                channels=", ".join(title_of(ch) for ch in reach.waiting),
            )
        )
    return lines


def left_out_lines(reach: Reach) -> list[str]:
    """Who qualifies but will get nothing, and why ("1 person: turned news off"), as the web
    preview lists them."""
    if not reach.left_out:
        return []
    return [_("It will not reach:")] + [
        "• " + ngettext("{n} person: {reason}", "{n} people: {reason}", n, reason=_(reason))
        for reason, n in reach.left_out.items()
    ]
