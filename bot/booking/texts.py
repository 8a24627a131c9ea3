"""How booking things read to a person: labels of help topics, priority groups and needs,
times in Hanoi, and the lines describing one visit. Shared by the dialog, My bookings,
privacy and the messages queued for later."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import get_day_names

from bot import i18n
from bot.booking.phone import display_phone
from bot.i18n import N_, _
from bot.points.model import Point

HELP_LABELS = {
    "vneid": N_("VNeID"),
    "dvc": N_("Public Service Portal (Cổng Dịch vụ công)"),
    "ihanoi": N_("iHanoi"),
    "basics": N_("Using an app or a smartphone"),
    "other": N_("Something else"),
}
PRIORITY_LABELS = {
    "aged60": N_("Aged 60 or over"),
    "disability": N_("Living with a disability"),
    "poor": N_("Poor or near-poor household"),
}
NEED_LABELS = {
    "wheelchair": N_("Wheelchair access"),
    "hearing": N_("Help with hearing"),
    "sight": N_("Help with sight"),
}


def when(starts_at: datetime, ends_at: datetime) -> str:
    """ "8:30–9:00, thứ Ba, ngày 1/12/2026" in the user's language, Hanoi time (i18n.format_when,
    the one formatting function)."""
    return i18n.format_when(starts_at, ends_at)


def time_range(starts_at: datetime, ends_at: datetime) -> str:
    return f"{clock(starts_at)}–{clock(ends_at)}"


def clock(dt: datetime) -> str:
    """ "08:30": the 24-hour clock people in Vietnam use, in Hanoi time."""
    return i18n.format_time(dt, "HH:mm")


def day_label(day: date | datetime) -> str:
    """ "Tuesday 1/12", short enough for a button."""
    return i18n.format_date(day, "EEEE d/M")


def moment(dt: datetime) -> str:
    """ "08:30 Tuesday 1/12"."""
    return f"{clock(dt)} {day_label(dt)}"


def weekday_names() -> dict[int, str]:
    """0 = Monday … 6 = Sunday, in the user's language."""
    return dict(get_day_names("wide", locale=i18n.current_locale()))


def labels(keys: list[str], table: dict[str, str]) -> str:
    return ", ".join(_(table[k]) for k in keys if k in table) or _("none")


def help_text(topic: str, note: str | None) -> str:
    label = _(HELP_LABELS.get(topic, HELP_LABELS["other"]))
    return f"{label}: {note}" if note else label


def visit_lines(
    point: Point | None,
    starts_at: datetime | None,
    ends_at: datetime | None,
    details: dict[str, Any],
    *,
    home: bool = False,
) -> list[str]:
    """The lines of a summary: where, when, who, phone, help, priority and needs (any of
    them may be missing while the form is being filled in); `home`: a home visit's own
    words (the person is visited, not coming)."""
    lines = []
    if point is not None:
        lines.append(f"📍 {point.name}\n    {point.address}")
    if starts_at is not None and ends_at is not None:
        lines.append(f"🗓 {when(starts_at, ends_at)}")
    if details.get("name"):
        who = _("yourself") if details.get("for_self") else _("a relative")
        if home:
            lines.append(_("👤 Person to visit: {name} ({who})", name=details["name"], who=who))
        else:
            lines.append(_("👤 Visitor: {name} ({who})", name=details["name"], who=who))
    if details.get("phone"):
        lines.append(_("📞 Phone: {phone}", phone=display_phone(details["phone"])))
    if details.get("help_topic"):
        lines.append(
            _(
                "💬 Help with: {topic}",
                topic=help_text(details["help_topic"], details.get("help_note")),
            )
        )
    if "priority" in details:
        lines.append(
            _("⭐ Priority: {groups}", groups=labels(details["priority"], PRIORITY_LABELS))
        )
    if "needs" in details:
        lines.append(_("♿ Needs: {needs}", needs=labels(details["needs"], NEED_LABELS)))
    return lines


def access_warning(note: str | None) -> str | None:
    """For the officers: "⚠️ Booked anyway — not met here: Wheelchair access; not known here:
    Help with hearing" from a booking's `access_note`."""
    from bot.booking.access import parse_note

    fit = parse_note(note)
    parts = []
    if fit.missing:
        parts.append(_("not met here: {needs}", needs=labels(list(fit.missing), NEED_LABELS)))
    if fit.unknown:
        parts.append(_("not known here: {needs}", needs=labels(list(fit.unknown), NEED_LABELS)))
    if not parts:
        return None
    return _("⚠️ Booked anyway, {what}", what="; ".join(parts))
