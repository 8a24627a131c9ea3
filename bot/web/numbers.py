"""The "Numbers" page: bookings, attendance and no-shows per support point and week as bar
charts (plain SVG drawn by the template from the numbers here, with the same numbers in a
table), the most read guides with their "Did this help?" answers, and the questions no guide
answered — each also as a CSV file. What each officer sees is the services' rule
(bot/stats/service.py): their own points; the guide and question numbers are city-wide.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from aiohttp import web

from bot.content.reports import GUIDES_HEADER, QUESTIONS_HEADER
from bot.i18n import format_date
from bot.stats import service as stats
from bot.web.app import Page, officer_page

WEEKS = 8
DAYS = 30
TOP_QUESTIONS = 20
TOP_GUIDES = 10
CHART_HEIGHT = 120  # SVG units; bars are scaled to the busiest week of the point
BAR = 10
GAP = 2
GROUP = 3 * BAR + 4 * GAP


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    value: int
    kind: str  # booked, attended, no_show


@dataclass(frozen=True)
class WeekRow:
    label: str  # the week's Monday, in the reader's language
    booked: int
    attended: int
    no_show: int
    not_marked: int
    cancelled: int


@dataclass(frozen=True)
class PointChart:
    point_id: str
    name: str
    width: int
    bars: list[Bar]
    weeks: list[WeekRow]
    ticks: list[tuple[int, str]]  # (x of the group's middle, week label)


def _charts(page: Page, found) -> list[PointChart]:
    places = page.core.services.get("places")
    by_point: dict[str, list] = {}
    for row in found:
        by_point.setdefault(row.point_id, []).append(row)
    charts = []
    for point_id, rows in sorted(by_point.items()):
        rows.sort(key=lambda r: r.week)
        top = max([1] + [r.booked for r in rows])
        bars, ticks, weeks = [], [], []
        for i, r in enumerate(rows):
            left = i * GROUP + GAP
            for j, (kind, value) in enumerate(
                (("booked", r.booked), ("attended", r.attended), ("no_show", r.no_show))
            ):
                height = round(CHART_HEIGHT * value / top)
                bars.append(
                    Bar(left + j * (BAR + GAP), CHART_HEIGHT - height, height, value, kind)
                )
            label = format_date(r.week.monday, "d/M")
            ticks.append((left + GROUP // 2 - GAP, label))
            weeks.append(
                WeekRow(label, r.booked, r.attended, r.no_show, r.not_marked, r.cancelled)
            )
        point = places.points.get(point_id) if places is not None else None
        charts.append(
            PointChart(
                point_id,
                point.name if point else point_id,
                max(len(rows), WEEKS) * GROUP + GAP,  # every chart as wide as the weeks shown
                bars,
                weeks,
                ticks,
            )
        )
    return charts


@officer_page
async def numbers_page(page: Page) -> web.Response:
    sc = page.sc()
    found = await stats.bookings_by_week(sc, WEEKS)
    guides = sorted(await stats.guide_numbers(sc, DAYS), key=lambda r: -r[3])[:TOP_GUIDES]
    questions = await stats.unanswered_questions(sc, DAYS, TOP_QUESTIONS)
    return page.render(
        "numbers.html",
        active="numbers",
        charts=_charts(page, found),
        height=CHART_HEIGHT,
        bar=BAR,
        guides=guides,
        questions=questions,
        weeks=WEEKS,
        days=DAYS,
    )


def _csv(name: str, header, rows) -> web.Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return web.Response(
        body=out.getvalue().encode("utf-8-sig"),  # a BOM, so spreadsheets show Vietnamese
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@officer_page
async def bookings_csv(page: Page) -> web.Response:
    found = await stats.bookings_by_week(page.sc(), WEEKS)
    header = ("unit", "point", "week", "booked", "cancelled", "attended", "no_show", "not_marked")
    rows = [
        (
            r.unit_id,
            r.point_id,
            r.week.label,
            r.booked,
            r.cancelled,
            r.attended,
            r.no_show,
            r.not_marked,
        )
        for r in found
    ]
    return _csv("bookings-by-week.csv", header, rows)


@officer_page
async def guides_csv(page: Page) -> web.Response:
    return _csv("guides.csv", GUIDES_HEADER, await stats.guide_numbers(page.sc(), DAYS))


@officer_page
async def questions_csv(page: Page) -> web.Response:
    rows = await stats.unanswered_questions(page.sc(), DAYS, 1000)
    return _csv("unanswered-questions.csv", QUESTIONS_HEADER, rows)


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/numbers", numbers_page)
    router.add_get("/numbers/bookings.csv", bookings_csv)
    router.add_get("/numbers/guides.csv", guides_csv)
    router.add_get("/numbers/questions.csv", questions_csv)
