"""The "Today" page, where officers land: per support point of their units, today's and
tomorrow's visitors (time, name, phone, help needed, priority and needs), "came" / "did not
come" in one tap, each day's list as CSV; and the home-visit requests of their units with
"I'll take it" / "done".

Everything is read and changed through the same functions as the chat's daily tools
(bot/schedule/daily.py, home_visits.py, service.py), which authorise the officer for the
point's unit and write the audit log; this module only shows and forwards. A mark sent with
htmx gets back just its visit's row; without JavaScript the form posts and the page reloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from aiohttp import web

from bot.booking import texts
from bot.booking.phone import display_phone
from bot.db.booking_models import HomeVisitRequest
from bot.i18n import _
from bot.points.model import Point
from bot.schedule import daily, home_visits, service
from bot.schedule.errors import Refused
from bot.schedule.placing import local_day
from bot.web.app import PREFIX, Page, officer_page, see_other

MARKS = ("attended", "missed", "confirmed")


@dataclass(frozen=True)
class VisitRow:
    id: int
    code: str
    time: str
    name: str
    phone: str | None  # shown only to officers of the point's unit (the service decides)
    phone_link: str | None
    help: str
    priority: str | None
    needs: str | None
    access: str | None  # the needs this point does not meet, booked anyway
    status: str  # confirmed, attended, missed
    can_mark: bool  # today or earlier (never a walk-in: they came)
    walk_in: bool  # came without booking: can be removed if added by mistake


@dataclass(frozen=True)
class DayList:
    day: date
    title: str
    visits: list[VisitRow]
    csv: str
    phones_hidden: bool


@dataclass(frozen=True)
class PointLists:
    point: Point
    days: list[DayList]


def _row(v: daily.Visit, can_mark: bool) -> VisitRow:
    b = v.booking
    walk_in = b.channel == daily.WALK_IN
    return VisitRow(
        id=b.id,
        code=b.code,
        time=texts.clock(v.slot.starts_at),
        name=_("Walk-in visitor") if walk_in else b.visitor_name or _("(name deleted)"),
        phone=display_phone(v.phone) if v.phone else None,
        phone_link="tel:" + v.phone if v.phone else None,
        help="" if walk_in else texts.help_text(b.help_topic, b.help_note),
        priority=texts.labels(b.priority, texts.PRIORITY_LABELS) if b.priority else None,
        needs=texts.labels(b.needs, texts.NEED_LABELS) if b.needs else None,
        access=texts.access_warning(b.access_note),
        status=b.status,
        can_mark=can_mark and not walk_in,
        walk_in=walk_in,
    )


def _today(page: Page) -> date:
    return local_day(page.now(), page.core.config.tz)


def csv_path(point_id: str, day: date) -> str:
    return f"{PREFIX}/points/{point_id}/{day.isoformat()}.csv"


async def _lists(page: Page, point: Point, today: date) -> PointLists:
    sc = page.sc()
    days = []
    for day, title in (
        (today, _("Today, {day}", day=texts.day_label(today))),
        (
            today + timedelta(days=1),
            _("Tomorrow, {day}", day=texts.day_label(today + timedelta(days=1))),
        ),
    ):
        _point, visits = await daily.day_list(sc, point.id, day)
        days.append(
            DayList(
                day=day,
                title=title,
                visits=[_row(v, day <= today) for v in visits],
                csv=csv_path(point.id, day),
                phones_hidden=any(v.phone is None for v in visits),
            )
        )
    return PointLists(point, days)


@dataclass(frozen=True)
class RequestRow:
    id: int
    unit: str
    state: str
    name: str
    phone: str | None
    address: str
    days: str
    help: str
    priority: str | None
    needs: str | None
    can_take: bool
    can_finish: bool
    note: str


def _request_row(page: Page, r: HomeVisitRequest) -> RequestRow:
    places = page.core.services.get("places")
    unit = places.units.get(r.unit_id) if places is not None else None
    names = texts.weekday_names()
    if r.status == "new":
        state = _("not taken yet")
    elif r.assigned_to == page.actor.user_id:
        state = _("taken by you")
    else:
        state = _("taken by another officer")
    return RequestRow(
        id=r.id,
        unit=unit.name if unit else r.unit_id,
        state=state,
        name=r.visitor_name or _("(name deleted)"),
        phone=display_phone(r.phone) if r.phone else None,
        address=r.address or "",
        days=", ".join(names[d] for d in r.preferred_days if d in names) or _("any day"),
        help=texts.help_text(r.help_topic, r.help_note),
        priority=texts.labels(r.priority, texts.PRIORITY_LABELS) if r.priority else None,
        needs=texts.labels(r.needs, texts.NEED_LABELS) if r.needs else None,
        can_take=r.status == "new",
        can_finish=r.status == "new" or r.assigned_to == page.actor.user_id,
        note=r.officer_note or "",
    )


async def _today_page(page: Page, notice: str | None = None, status: int = 200) -> web.Response:
    sc = page.sc()
    today = _today(page)
    points = sorted(await service.my_points(sc), key=lambda p: (p.unit, p.name))
    lists = [await _lists(page, p, today) for p in points]
    requests = [_request_row(page, r) for r in await home_visits.queue(sc)]
    return page.render(
        "today.html",
        status,
        points=lists,
        requests=requests,
        notice=notice,
        today=today,
        max_note=home_visits.MAX_NOTE,
    )


@officer_page
async def today_page(page: Page) -> web.Response:
    return await _today_page(page)


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 11 else None


@officer_page
async def mark(page: Page) -> web.Response:
    booking_id = _int(page.request.match_info["booking"])
    status = str(page.form.get("status", ""))
    htmx = page.request.headers.get("HX-Request") == "true"
    if booking_id is None or status not in MARKS:
        return await _today_page(page, _("I did not understand that mark, so I did nothing."), 400)
    try:
        booking, slot = await daily.mark(page.sc(), booking_id, status)
    except Refused as e:
        return await _today_page(page, str(e), 409)
    if not htmx:
        return see_other(f"{PREFIX}/#visit-{booking.id}")
    # The row as the list shows it, phone rule included.
    day = local_day(slot.starts_at, page.core.config.tz)
    _point, visits = await daily.day_list(page.sc(), booking.point_id, day)
    row = next(_row(v, day <= _today(page)) for v in visits if v.booking.id == booking.id)
    return page.render("visit_row.html", v=row)


@officer_page
async def walk_in(page: Page) -> web.Response:
    try:
        booking, _slot = await daily.walk_in(page.sc(), page.request.match_info["point"])
    except Refused as e:
        return await _today_page(page, str(e), 409)
    return see_other(f"{PREFIX}/#visit-{booking.id}")


@officer_page
async def remove_walk_in(page: Page) -> web.Response:
    booking_id = _int(page.request.match_info["booking"])
    if booking_id is None:
        return await _today_page(page, _("I could not find that visit, so I did nothing."), 404)
    try:
        await daily.remove_walk_in(page.sc(), booking_id)
    except Refused as e:
        return await _today_page(page, str(e), 409)
    return see_other(f"{PREFIX}/")


@officer_page
async def export(page: Page) -> web.StreamResponse:
    point_id = page.request.match_info["point"]
    try:
        day = date.fromisoformat(page.request.match_info["day"])
    except ValueError:
        raise web.HTTPNotFound() from None
    try:
        document = await daily.export_csv(page.sc(), point_id, day)
    except Refused as e:
        return await _today_page(page, str(e), 404)
    return web.Response(
        body=document.data,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{document.filename}"'},
    )


async def _home_visit(page: Page, action) -> web.Response:
    request_id = _int(page.request.match_info["request"])
    if request_id is None:
        return await _today_page(
            page, _("I could not find that home-visit request, so I did nothing."), 404
        )
    try:
        await action(page.sc(), request_id)
    except Refused as e:
        return await _today_page(page, str(e), 409)
    return see_other(f"{PREFIX}/#home-visits")


@officer_page
async def take(page: Page) -> web.Response:
    return await _home_visit(page, home_visits.assign_to_me)


@officer_page
async def finish(page: Page) -> web.Response:
    return await _home_visit(page, home_visits.mark_done)


@officer_page
async def note(page: Page) -> web.Response:
    text = str(page.form.get("note", ""))
    return await _home_visit(page, lambda sc, i: home_visits.write_note(sc, i, text))


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/", today_page)
    router.add_post("/visits/{booking}/mark", mark)
    router.add_post("/visits/{booking}/remove", remove_walk_in)
    router.add_post("/points/{point}/walk-in", walk_in)
    router.add_get("/points/{point}/{day}.csv", export)
    router.add_post("/home-visits/{request}/take", take)
    router.add_post("/home-visits/{request}/done", finish)
    router.add_post("/home-visits/{request}/note", note)
