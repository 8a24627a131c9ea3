""" "📊 Numbers" in the officer menu: bookings, attendance and no-shows of my communes' and wards'
points for the last weeks (an admin sees every point), and — city-wide — the most read guides
with their "Did this help?" answers per version, and the questions no guide answered.
The full tables are `trolyso report bookings|attendance|guides|questions` (CSV).
"""

from __future__ import annotations

from collections import Counter

from bot.ctx import Ctx, OfficerEntry
from bot.i18n import N_, _, format_date, ngettext
from bot.router import Router
from bot.stats import service
from bot.stats.bookings import PointWeek
from bot.types import Button, Incoming, Reply, rows
from handlers.officer import officer_action
from handlers.services import service_context

router = Router()
OPEN, GUIDES, QUESTIONS = "stat", "stat:g", "stat:q"
WEEKS = 4  # this week and the three before
MAX_POINTS = 6  # more points than this: the busiest, and the CSV report for the rest
TOP = 5
CITY_DAYS = 30

MENU_ENTRY = OfficerEntry(OPEN, N_("📊 Numbers"))


def _buttons(*extra: Button) -> tuple[tuple[Button, ...], ...]:
    return rows(*extra, Button(_("⬅️ Officer tools"), "ofc"), Button(_("🏠 Main menu"), "menu"))


def _week_line(w: PointWeek) -> str:
    line = _(
        "Week {n} (from {day}): {booked} booked · {came} came · {missed} did not come · "
        "{cancelled} cancelled",
        n=w.week.number,
        day=format_date(w.week.monday, "d/M"),
        booked=w.booked,
        came=w.attended,
        missed=w.no_show,
        cancelled=w.cancelled,
    )
    if w.not_marked:
        line += " · " + _("{n} not marked yet", n=w.not_marked)
    return line


@officer_action
async def bookings(msg: Incoming, ctx: Ctx) -> list[Reply] | None:
    sc = await service_context(ctx)
    officer = sc.actor.require_officer()
    if msg.payload not in (None, OPEN):
        return None
    weeks = await service.bookings_by_week(sc, WEEKS)
    title = (
        _("📊 Bookings at every support point, last {n} weeks:", n=WEEKS)
        if officer.is_admin
        else _(
            "📊 Bookings at the support points of your communes and wards, last {n} weeks:",
            n=WEEKS,
        )
    )
    by_point: dict[str, list[PointWeek]] = {}
    for w in weeks:
        by_point.setdefault(w.point_id, []).append(w)
    busiest = sorted(by_point, key=lambda p: (-sum(w.booked for w in by_point[p]), p))
    lines = [title]
    places = ctx.services.get("places")
    for point_id in busiest[:MAX_POINTS]:
        point = places.points.get(point_id) if places is not None else None
        lines += ["", f"📍 {point.name if point else point_id}"]
        lines += [f"• {_week_line(w)}" for w in by_point[point_id]]
    if not weeks:
        lines.append(_("No bookings in these weeks."))
    if len(busiest) > MAX_POINTS:
        lines += [
            "",
            _(
                "…and {n} more points: the full table is “trolyso report bookings”.",
                n=len(busiest) - MAX_POINTS,
            ),
        ]
    return [
        Reply(
            text="\n".join(lines),
            edit=msg.payload is not None,
            buttons=_buttons(
                Button(_("📚 Guides read and feedback"), GUIDES),
                Button(_("❓ Questions without an answer"), QUESTIONS),
                Button(_("🙋 Questions to officers"), "hq:n"),
            ),
        )
    ]


def _title(ctx: Ctx, guide_id: str) -> str:
    catalogue = ctx.services.get("catalogue")
    guide = catalogue.get(guide_id, ctx.locale) if catalogue is not None else None
    return guide.title if guide is not None else guide_id


@officer_action
async def guides(msg: Incoming, ctx: Ctx) -> list[Reply]:
    found = await service.guide_numbers(await service_context(ctx), CITY_DAYS)
    views: Counter = Counter()
    finished: Counter = Counter()
    votes: dict[tuple[str, int], Counter] = {}
    for gid, version, _locale, seen, _starts, completed, yes, no, _comments in found:
        views[gid] += seen
        finished[gid] += completed
        if yes or no:
            c = votes.setdefault((gid, version), Counter())
            c["yes"] += yes
            c["no"] += no
    lines = [_("📚 Most read guides, whole city, last {n} days:", n=CITY_DAYS)]
    top = [gid for gid, n in views.most_common(TOP) if n]
    lines += [
        _(
            "{i}. {title} — {views} views, {done} read to the end",
            i=i,
            title=_title(ctx, gid),
            views=views[gid],
            done=finished[gid],
        )
        for i, gid in enumerate(top, start=1)
    ]
    if not top:
        lines.append(_("No guide was opened in these days."))
    lines += ["", _("“Did this help?” per guide version (👍 yes / 👎 no):")]
    ranked = sorted(votes.items(), key=lambda kv: (-(kv[1]["yes"] + kv[1]["no"]), kv[0]))
    lines += [
        _(
            "• {title} (version {version}): 👍 {yes} / 👎 {no}",
            title=_title(ctx, gid),
            version=version,
            yes=c["yes"],
            no=c["no"],
        )
        for (gid, version), c in ranked[:TOP]
    ]
    if not ranked:
        lines.append(_("No answers yet."))
    return [
        Reply(text="\n".join(lines), buttons=_buttons(Button(_("📊 Bookings"), OPEN)), edit=True)
    ]


@officer_action
async def questions(msg: Incoming, ctx: Ctx) -> list[Reply]:
    found = await service.unanswered_questions(await service_context(ctx), CITY_DAYS, TOP)
    lines = [
        _(
            "❓ Questions no guide answered, whole city, last {n} days (most asked first):",
            n=CITY_DAYS,
        )
    ]
    lines += [
        ngettext(
            "• “{question}” — {n} time",
            "• “{question}” — {n} times",
            count,
            question=question[:120],
        )
        for count, _locale, question, _first, _last in found
    ]
    if not found:
        lines.append(_("None: every question found a guide."))
    return [
        Reply(text="\n".join(lines), buttons=_buttons(Button(_("📊 Bookings"), OPEN)), edit=True)
    ]


router.payload(OPEN, bookings, always=True)
router.payload(GUIDES, guides, always=True)
router.payload(QUESTIONS, questions, always=True)
