"""The "Schedule" pages: a week of each of the officer's support points (every session with
seats booked and free), and one session's page where an officer cancels it with a reason or
changes its seats per time slot or moves it to another day, time or point — each first
shown as a preview of exactly who will be told,
then applied.

Reading and changing go through the same functions as the chat's schedule tools
(bot/schedule/service.py): they authorise the officer for the session's unit, refuse what
cannot be done (started, already cancelled, seats below what is booked), write the audit log
and queue the visitors' notices in the outbox. This module only shows and forwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from aiohttp import web

from bot.booking import texts
from bot.i18n import _, ngettext
from bot.points.model import Point
from bot.schedule import daily, moving, service
from bot.schedule.errors import Refused
from bot.schedule.placing import local_day
from bot.web.app import Page, officer_page

WEEK_DAYS = 7
MAX_REASON = 300  # what the session row keeps (booking_sessions.note)


@dataclass(frozen=True)
class SessionRow:
    id: int
    time: str
    status: str  # open, cancelled, moved
    booked: int
    seats: int
    note: str | None

    @property
    def free(self) -> int:
        return max(0, self.seats - self.booked)


@dataclass(frozen=True)
class Day:
    title: str
    sessions: list[SessionRow]


@dataclass(frozen=True)
class PointWeek:
    point: Point
    days: list[Day]


def _row(view: service.SessionView) -> SessionRow:
    return SessionRow(
        id=view.row.id,
        time=texts.time_range(view.row.starts_at, view.row.ends_at),
        status=view.row.status,
        booked=view.booked,
        seats=view.seats,
        note=view.row.note,
    )


async def _week(page: Page, point: Point) -> PointWeek:
    tz = page.core.config.tz
    by_day: dict[date, list[SessionRow]] = {}
    for view in await service.upcoming(page.sc(), point.id, days=WEEK_DAYS):
        by_day.setdefault(local_day(view.row.starts_at, tz), []).append(_row(view))
    return PointWeek(point, [Day(texts.day_label(d), rows) for d, rows in sorted(by_day.items())])


@officer_page
async def week(page: Page) -> web.Response:
    points = sorted(await service.my_points(page.sc()), key=lambda p: (p.unit, p.name))
    weeks = [await _week(page, p) for p in points]
    today = local_day(page.now(), page.core.config.tz).isoformat()
    return page.render(
        "schedule.html", active="schedule", weeks=weeks, today=today, max_reason=MAX_REASON
    )


def _session_id(page: Page) -> int:
    text = page.request.match_info["session"]
    if not text.isdigit() or len(text) > 11:
        raise web.HTTPNotFound()
    return int(text)


async def _visitors(page: Page, view: service.SessionView) -> list:
    """The visitors booked in this session, as the day's list shows them (phone rule
    included): who a change will be told to."""
    day = local_day(view.row.starts_at, page.core.config.tz)
    _point, visits = await daily.day_list(page.sc(), view.row.point_id, day)
    slot_ids = {s.id for s in view.slots}
    return [v for v in visits if v.slot.id in slot_ids and v.booking.status == "confirmed"]


async def _session_page(
    page: Page,
    view: service.SessionView,
    *,
    notice: str | None = None,
    preview: dict | None = None,
    status: int = 200,
) -> web.Response:
    point = service.places_of(page.sc()).points.get(view.row.point_id)
    visitors = await _visitors(page, view)
    return page.render(
        "session.html",
        status,
        active="schedule",
        s=_row(view),
        point=point,
        day=texts.day_label(local_day(view.row.starts_at, page.core.config.tz)),
        slots=[(texts.clock(s.starts_at), s.booked, s.capacity) for s in view.slots],
        seats_per_slot=view.seats_per_slot,
        waiting=view.waiting,
        visitors=[(texts.clock(v.slot.starts_at), v.booking.visitor_name or "") for v in visitors],
        changeable=view.row.status == "open" and view.row.starts_at > page.now(),
        points=[(p.id, p.name) for p in await service.my_points(page.sc())],
        point_id=view.row.point_id,
        start=texts.clock(view.row.starts_at),
        iso_day=local_day(view.row.starts_at, page.core.config.tz).isoformat(),
        notice=notice,
        preview=preview,
        max_reason=MAX_REASON,
    )


@officer_page
async def session_page(page: Page) -> web.Response:
    try:
        view = await service.session_for(page.sc(), _session_id(page))
    except Refused as e:
        return page.render("refused.html", 404, reason="", message=str(e))
    return await _session_page(page, view)


@officer_page
async def cancel(page: Page) -> web.Response:
    sc = page.sc()
    try:
        view = await service.session_for(sc, _session_id(page))
    except Refused as e:
        return page.render("refused.html", 404, reason="", message=str(e))
    reason = " ".join(str(page.form.get("reason", "")).split())
    if not reason or len(reason) > MAX_REASON:
        notice = _("Please write the reason (at most {n} characters): visitors will read it.")
        return await _session_page(page, view, notice=notice.format(n=MAX_REASON), status=400)
    if page.form.get("step") != "apply":
        try:
            service.not_changeable(view, page.now())
        except Refused as e:
            return await _session_page(page, view, notice=str(e), status=409)
        _view, bookings, waiting = await service.session_affected(sc, view.row.id)
        preview = {"kind": "cancel", "reason": reason, "bookings": bookings, "waiting": waiting}
        return await _session_page(page, view, preview=preview)
    try:
        outcome = await service.cancel_session(sc, view.row.id, reason)
    except Refused as e:
        return await _session_page(page, view, notice=str(e), status=409)
    view = await service.session_for(sc, view.row.id)
    notice = " ".join(
        [
            _("Cancelled."),
            ngettext(
                "{n} booked visitor is being told.",
                "{n} booked visitors are being told.",
                outcome.bookings,
            ),
            *(
                [
                    ngettext(
                        "{n} person waiting is being told.",
                        "{n} people waiting are being told.",
                        outcome.waiting,
                    )
                ]
                if outcome.waiting
                else []
            ),
        ]
    )
    return await _session_page(page, view, notice=notice)


@officer_page
async def seats(page: Page) -> web.Response:
    sc = page.sc()
    try:
        view = await service.session_for(sc, _session_id(page))
    except Refused as e:
        return page.render("refused.html", 404, reason="", message=str(e))
    text = str(page.form.get("seats", "")).strip()
    wanted = int(text) if text.isdigit() and len(text) <= 4 else 0
    if not 1 <= wanted <= 500:
        notice = _("Seats per time slot must be from 1 to 500.")
        return await _session_page(page, view, notice=notice, status=400)
    if page.form.get("step") != "apply":
        try:
            service.not_changeable(view, page.now())
        except Refused as e:
            return await _session_page(page, view, notice=str(e), status=409)
        if problem := service.below_floor(view, wanted):
            return await _session_page(page, view, notice=str(problem), status=409)
        preview = {
            "kind": "seats",
            "before": view.seats_per_slot,
            "after": wanted,
            # Whoever waits for a slot that gains seats gets one.
            "waiting": view.waiting if any(s.capacity < wanted for s in view.slots) else 0,
        }
        return await _session_page(page, view, preview=preview)
    try:
        outcome = await service.change_capacity(sc, view.row.id, wanted)
    except Refused as e:
        return await _session_page(page, view, notice=str(e), status=409)
    view = await service.session_for(sc, view.row.id)
    notice = _("Done: {n} seats per time slot.", n=wanted)
    if outcome.promoted:
        notice += " " + ngettext(
            "{n} person waiting got a seat and is being told.",
            "{n} people waiting got a seat and are being told.",
            outcome.promoted,
        )
    return await _session_page(page, view, notice=notice)


def _when(page: Page) -> tuple[date, time] | None:
    try:
        day = date.fromisoformat(str(page.form.get("day", "")))
        start = time.fromisoformat(str(page.form.get("start", "")))
    except ValueError:
        return None
    return day, start.replace(second=0, microsecond=0)


@officer_page
async def move(page: Page) -> web.Response:
    sc = page.sc()
    try:
        view = await service.session_for(sc, _session_id(page))
    except Refused as e:
        return page.render("refused.html", 404, reason="", message=str(e))
    when = _when(page)
    point_id = str(page.form.get("point", "")) or view.row.point_id
    if when is None:
        notice = _("Please choose the new day and start time.")
        return await _session_page(page, view, notice=notice, status=400)
    day, start = when
    if page.form.get("step") != "apply":
        try:
            target, starts_at, ends_at = await moving.check_move(sc, view, day, start, point_id)
        except Refused as e:
            return await _session_page(page, view, notice=str(e), status=409)
        _view, bookings, waiting = await service.session_affected(sc, view.row.id)
        short = await moving.move_notice(sc, view.row.id, day, start, point_id)
        preview = {
            "kind": "move",
            "short": short.short,
            "told": short.told,
            "hours": f"{short.hours:g}",
            "reason": str(page.form.get("reason", "")),
            "point": target.name,
            "point_id": target.id,
            "day": day.isoformat(),
            "start": start.strftime("%H:%M"),
            "when": texts.day_label(day) + ", " + texts.time_range(starts_at, ends_at),
            "bookings": bookings,
            "waiting": waiting,
        }
        return await _session_page(page, view, preview=preview)
    try:
        told = str(page.form.get("told", ""))
        outcome = await moving.move_session(
            sc,
            view.row.id,
            day,
            start,
            point_id,
            reason=str(page.form.get("reason", "")) or None,
            confirmed_told=int(told) if told.isascii() and told.isdigit() else None,
        )
    except Refused as e:
        return await _session_page(page, view, notice=str(e), status=409)
    moved = await service.session_for(sc, outcome.session_ids[0])
    notice = " ".join(
        [
            _("Moved."),
            ngettext(
                "{n} booked visitor is being asked whether the new time suits them.",
                "{n} booked visitors are being asked whether the new time suits them.",
                outcome.bookings,
            ),
        ]
    )
    return await _session_page(page, moved, notice=notice)


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/schedule", week)
    router.add_get("/sessions/{session}", session_page)
    router.add_post("/sessions/{session}/cancel", cancel)
    router.add_post("/sessions/{session}/seats", seats)
    router.add_post("/sessions/{session}/move", move)
