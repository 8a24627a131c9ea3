"""An officer's daily work in the bot: "📋 Today and tomorrow" — the visitors of a point's day,
marking who came or not, the list as a CSV file — and "🏠 Home-visit requests" — the queue of
my units, take one, mark it done. Joined into handlers/officer_schedule.py's router.

Payloads are accepted from anyone (`always=True`); bot/schedule/daily.py and home_visits.py
check the unit server-side and audit every change.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.booking import texts
from bot.booking.phone import display_phone
from bot.ctx import Ctx, OfficerEntry
from bot.db.booking_models import HomeVisitRequest
from bot.i18n import N_, _, ngettext
from bot.ids import parse_id
from bot.points.names import unit_label
from bot.router import Router
from bot.schedule import daily, home_visits, service
from bot.schedule.errors import Refused
from bot.schedule.placing import local_day
from bot.types import Button, Incoming, Reply, rows
from handlers.officer import back_buttons, officer_action
from handlers.services import actor, places, render, service_context

router = Router()

TODAY = "ofc:day"
LIST = "ofc:dl:"
MARK = "ofc:dm:"
EXPORT = "ofc:dc:"
HOME = "ofc:hq"
TAKE = "ofc:hq:a:"
DONE = "ofc:hq:d:"
MARK_CODES = {"a": "attended", "n": "missed", "r": "confirmed"}
# One message of the list, and its rows of mark buttons: well within what messengers show;
# a channel that shows less gets them split and paged by the core (bot/channels/adapt.py).
MAX_CHARS = 3500
MAX_MARK_ROWS = 40

TODAY_ENTRY = OfficerEntry(TODAY, N_("📋 Today and tomorrow"))
HOME_ENTRY = OfficerEntry(HOME, N_("🏠 Home-visit requests"))


def list_payload(point_id: str, day: date) -> str:
    return f"{LIST}{point_id}:{day.isoformat()}"


def _today(ctx: Ctx) -> date:
    return local_day(ctx.now(), ctx.config.tz)


def _point_and_day(payload: str | None, prefix: str) -> tuple[str, date] | None:
    point_id, _sep, day = (payload or "").removeprefix(prefix).rpartition(":")
    try:
        return point_id, date.fromisoformat(day)
    except ValueError:
        return None


# --- the day's list ------------------------------------------------------------------------


@officer_action
async def choose_point(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    if msg.payload not in (None, TODAY):
        return None
    (await actor(ctx)).require_officer()
    ctx.state.clear()
    points = await service.my_points(await service_context(ctx))
    if len(points) == 1:
        return await _list(ctx, points[0].id, _today(ctx))
    if not points:
        return [
            Reply(
                text=_("Your communes and wards have no support points yet."),
                buttons=back_buttons(),
                edit=True,
            )
        ]
    buttons = [Button(f"📍 {p.name}", list_payload(p.id, _today(ctx))) for p in points[:30]]
    return [
        Reply(
            text=_("Whose visitors? Choose a support point:"),
            buttons=rows(*buttons) + back_buttons(),
            edit=True,
        )
    ]


@officer_action
async def day_list(msg: Incoming, ctx: Ctx) -> list[Reply]:
    found = _point_and_day(msg.payload, LIST)
    if found is None:
        return [
            Reply(text=_("I could not read that list, so I did nothing."), buttons=back_buttons())
        ]
    try:
        return await _list(ctx, *found)
    except Refused as e:
        return [Reply(text=render(e), buttons=back_buttons())]


async def _list(ctx: Ctx, point_id: str, day: date) -> list[Reply]:
    point, visits = await daily.day_list(await service_context(ctx), point_id, day)
    today = _today(ctx)
    title = (
        _("📋 {point} — today, {day}")
        if day == today
        else _("📋 {point} — tomorrow, {day}")
        if day == today + timedelta(days=1)
        else _("📋 {point} — {day}")
    ).format(point=point.name, day=texts.day_label(day))
    lines = [title, ngettext("{n} visitor booked.", "{n} visitors booked.", len(visits))]
    lines += [daily.visit_line(v) for v in visits]
    if any(v.phone is None for v in visits):
        lines.append(_("Phone numbers are shown only to officers of this commune or ward."))
    buttons = _mark_buttons(visits) if day <= today else []
    other = today + timedelta(days=1) if day == today else today
    buttons += [
        (Button(_("📄 CSV file of this list"), f"{EXPORT}{point.id}:{day.isoformat()}"),),
        (
            Button(
                _("📋 Tomorrow") if other > today else _("📋 Today"), list_payload(point.id, other)
            ),
        ),
    ]
    return _chunks(lines, tuple(buttons) + back_buttons())


def _mark_buttons(visits: list[daily.Visit]) -> list[tuple[Button, ...]]:
    found: list[tuple[Button, ...]] = []
    for v in visits[:MAX_MARK_ROWS]:
        b, who = v.booking, f"{texts.clock(v.slot.starts_at)} {v.booking.visitor_name or ''}"
        if b.status == "confirmed":
            found.append(
                (
                    Button(_("✅ {who}", who=who)[:60], f"{MARK}{b.id}:a"),
                    Button(_("❌ did not come"), f"{MARK}{b.id}:n"),
                )
            )
        else:
            found.append((Button(_("↩️ {who}: undo the mark", who=who)[:60], f"{MARK}{b.id}:r"),))
    return found


def _chunks(lines: list[str], buttons: tuple[tuple[Button, ...], ...]) -> list[Reply]:
    """The lines in as few messages as fit; the buttons under the last one."""
    parts, current = [], ""
    for line in lines:
        if current and len(current) + len(line) + 1 > MAX_CHARS:
            parts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line[:MAX_CHARS]
    parts.append(current)
    return [Reply(text=p) for p in parts[:-1]] + [Reply(text=parts[-1], buttons=buttons)]


@officer_action
async def mark(msg: Incoming, ctx: Ctx) -> list[Reply]:
    booking_id, _sep, code = (msg.payload or "").removeprefix(MARK).partition(":")
    if parse_id(booking_id) is None or code not in MARK_CODES:
        return [
            Reply(
                text=_("I did not understand that mark, so I did nothing."), buttons=back_buttons()
            )
        ]
    try:
        booking, slot = await daily.mark(
            await service_context(ctx), int(booking_id), MARK_CODES[code]
        )
        return await _list(ctx, booking.point_id, local_day(slot.starts_at, ctx.config.tz))
    except Refused as e:
        return [Reply(text=render(e), buttons=back_buttons())]


@officer_action
async def export(msg: Incoming, ctx: Ctx) -> list[Reply]:
    found = _point_and_day(msg.payload, EXPORT)
    if found is None:
        return [
            Reply(text=_("I could not read that list, so I did nothing."), buttons=back_buttons())
        ]
    try:
        document = await daily.export_csv(await service_context(ctx), *found)
    except Refused as e:
        return [Reply(text=render(e), buttons=back_buttons())]
    return [
        Reply(document=document),
        Reply(
            text=_("Keep this file safe: it holds visitors' names and phone numbers."),
            buttons=((Button(_("⬅️ Back to the list"), list_payload(*found)),),) + back_buttons(),
        ),
    ]


# --- home visits ---------------------------------------------------------------------------


def _request_lines(ctx: Ctx, r: HomeVisitRequest) -> list[str]:
    unit = places(ctx).units.get(r.unit_id)
    names = texts.weekday_names()
    days = ", ".join(names[d] for d in r.preferred_days if d in names) or _("any day")
    if r.status == "new":
        state = _("🆕 not taken yet")
    elif r.assigned_to == ctx.user.id:
        state = _("🙋 taken by you")
    else:
        state = _("👤 taken by another officer")
    lines = [
        f"#{r.id} · {unit_label(unit) if unit else r.unit_id} · {state}",
        f"👤 {r.visitor_name or _('(name deleted)')}",
    ]
    if r.phone:
        lines.append("📞 " + display_phone(r.phone))
    lines += [
        _("🏠 Address: {address}", address=r.address or ""),
        _("📅 Preferred days: {days}", days=days),
        _("💬 Help with: {topic}", topic=texts.help_text(r.help_topic, r.help_note)),
    ]
    if r.priority:
        lines.append("⭐ " + texts.labels(r.priority, texts.PRIORITY_LABELS))
    if r.needs:
        lines.append("♿ " + texts.labels(r.needs, texts.NEED_LABELS))
    return lines


async def _queue(ctx: Ctx, note: str | None = None) -> list[Reply]:
    requests = await home_visits.queue(await service_context(ctx))
    lines = [note, ""] if note else []
    if not requests:
        lines.append(_("There are no open home-visit requests for your communes and wards."))
        return [Reply(text="\n".join(lines), buttons=back_buttons(), edit=True)]
    lines.append(_("Open home-visit requests, oldest first:"))
    buttons = []
    for r in requests:
        lines += ["", *_request_lines(ctx, r)]
        if r.status == "new":
            buttons.append(Button(_("🙋 I'll take #{id}", id=r.id), f"{TAKE}{r.id}"))
        if r.status == "new" or r.assigned_to == ctx.user.id:
            buttons.append(Button(_("✅ #{id} is done", id=r.id), f"{DONE}{r.id}"))
    return _chunks(lines, rows(*buttons, per_row=2) + back_buttons())


@officer_action
async def queue(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    if msg.payload not in (None, HOME):
        return None
    (await actor(ctx)).require_officer()
    ctx.state.clear()
    return await _queue(ctx)


async def _change(msg: Incoming, ctx: Ctx, prefix: str, action) -> list[Reply]:
    rest = (msg.payload or "").removeprefix(prefix)
    if parse_id(rest) is None:
        return [
            Reply(
                text=_("I could not find that home-visit request, so I did nothing."),
                buttons=back_buttons(),
            )
        ]
    try:
        request = await action(await service_context(ctx), int(rest))
    except Refused as e:
        return await _queue(ctx, render(e))
    note = (
        _("Done: request #{id} is marked as done.", id=request.id)
        if request.status == "done"
        else _("Request #{id} is yours: please call the visitor to agree on a day.", id=request.id)
    )
    return await _queue(ctx, note)


@officer_action
async def take(msg: Incoming, ctx: Ctx) -> list[Reply]:
    return await _change(msg, ctx, TAKE, home_visits.assign_to_me)


@officer_action
async def done(msg: Incoming, ctx: Ctx) -> list[Reply]:
    return await _change(msg, ctx, DONE, home_visits.mark_done)


router.payload(TODAY, choose_point, always=True)
router.payload(LIST, day_list, always=True)
router.payload(MARK, mark, always=True)
router.payload(EXPORT, export, always=True)
router.payload(HOME, queue, always=True)
router.payload(TAKE, take, always=True)
router.payload(DONE, done, always=True)
