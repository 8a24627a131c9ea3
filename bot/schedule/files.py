"""Many schedule changes at once from a file an officer sends: read into a plan, shown as a
preview ("3 sessions added, 1 cancelled affecting 7 bookings"), applied only when confirmed.
A file with any problem changes nothing; every problem is listed with its line (CSV) or key
(TOML).

Two formats:

- the points TOML of content/points/README.md: the sessions of the coming weeks become what
  the file says (sessions it no longer has are cancelled, new ones added, changed seats
  applied), from today up to the booking horizon or the last date the file names;
- CSV, one change a line, header `date,start,end,slot_minutes,seats_per_slot,priority_seats,
  action,reason` (an optional `point` column names another point of the officer):
  `add` a session; `cancel` the session starting at `start` (every session that day when
  `start` is empty), `reason` required; `capacity` sets `seats_per_slot`.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.db.booking_models import BookingSession
from bot.i18n import N_
from bot.officers import audit
from bot.points.loader import read_point_file
from bot.points.model import Point
from bot.points.sessions import sessions_between
from bot.schedule import notices, parse, placing, service
from bot.schedule.errors import NotAllowed, Refused
from bot.schedule.placing import Shape, at, local_day
from bot.services.messages import Text, text
from bot.services.registry import officer_service
from bot.types import Document

if TYPE_CHECKING:
    from bot.services.context import ServiceContext

MAX_BYTES = 100_000
MAX_ROWS = 500
MAX_DAYS = 365
CSV_COLUMNS = (
    "date",
    "start",
    "end",
    "slot_minutes",
    "seats_per_slot",
    "priority_seats",
    "action",
    "reason",
)
ACTIONS = ("add", "cancel", "capacity")
MAX_PROBLEMS = 15  # listed in one message; the rest are counted

audit.register_action("schedule.file", N_("Schedule file applied"))


@dataclass(frozen=True)
class Add:
    where: str | Text
    line: int
    shape: Shape


@dataclass(frozen=True)
class Cancel:
    where: str | Text
    line: int
    session_id: int
    reason: str | None


@dataclass(frozen=True)
class Capacity:
    where: str | Text
    line: int
    session_id: int
    seats: int


@dataclass
class Plan:
    kind: str  # "csv" | "toml"
    adds: list[Add] = field(default_factory=list)
    cancels: list[Cancel] = field(default_factory=list)
    capacity: list[Capacity] = field(default_factory=list)
    # (line, problem): CSV problems are listed in line order, TOML ones as found (line 0).
    found: list[tuple[int, Text]] = field(default_factory=list)
    bookings: int = 0  # confirmed bookings of the sessions cancelled
    waiting: int = 0
    until: date | None = None  # TOML: the last day the file was compared

    def problem(self, problem: Text, line: int = 0) -> None:
        self.found.append((line, problem))

    @property
    def problems(self) -> list[Text]:
        return [problem for _line, problem in sorted(self.found, key=lambda p: p[0])]

    @property
    def empty(self) -> bool:
        return not (self.adds or self.cancels or self.capacity)

    def fingerprint(self) -> list[Any]:
        """What the officer saw in the preview: applied only if it is still the same."""
        seen = [
            sorted(
                [a.shape.point_id, a.shape.day.isoformat(), a.shape.start.isoformat()]
                for a in self.adds
            ),
            sorted(c.session_id for c in self.cancels),
            sorted([c.session_id, c.seats] for c in self.capacity),
            self.bookings,
        ]
        return json.loads(json.dumps(seen))  # as it comes back from the conversation state


def kind_of(document: Document) -> str | None:
    name = document.filename.lower()
    if name.endswith(".toml"):
        return "toml"
    if name.endswith((".csv", ".txt")) or document.mime_type in (
        "text/csv",
        "text/comma-separated-values",
    ):
        return "csv"
    return None


@officer_service
async def read(sc: ServiceContext, point_id: str, document: Document) -> Plan:
    """The plan of a file sent for `point_id` (the officer may act for it)."""
    point = await service.point_for(sc, point_id)
    kind = kind_of(document)
    if kind is None:
        raise Refused("file.wrong_kind")
    plan = Plan(kind)
    if len(document.data) > MAX_BYTES:
        plan.problem(text("file.too_big", n=MAX_BYTES // 1000))
        return plan
    try:
        content = document.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        plan.problem(text("file.not_utf8"))
        return plan
    if kind == "csv":
        await _read_csv(sc, point, content, plan)
    else:
        await _read_toml(sc, point, content, document.filename, plan)
    if not plan.problems:
        plan.bookings, plan.waiting = await service.affected(
            sc, [c.session_id for c in plan.cancels]
        )
    return plan


# --- CSV -----------------------------------------------------------------------------------


def _dialect(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if ";" in first and "," not in first else ","


async def _read_csv(sc: ServiceContext, point: Point, content: str, plan: Plan) -> None:
    reader = csv.reader(io.StringIO(content), delimiter=_dialect(content))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    unknown = [h for h in header if h not in (*CSV_COLUMNS, "point")]
    if missing or unknown:
        plan.problem(
            text(
                "file.bad_header",
                header=",".join(CSV_COLUMNS),
                missing=", ".join(missing) or "-",
                unknown=", ".join(unknown) or "-",
            )
        )
        return
    rows = 0
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        rows += 1
        line = reader.line_num
        where = text("file.line", n=line)
        if rows > MAX_ROWS:
            plan.problem(text("file.too_many_rows", where=where, n=MAX_ROWS), line)
            return
        if len(values) != len(header):
            plan.problem(
                text(
                    "file.wrong_values",
                    where=where,
                    n=len(values),
                    m=len(header),
                ),
                line,
            )
            continue
        row = {h: v.strip() for h, v in zip(header, values, strict=True)}
        try:
            await _csv_row(sc, point, row, where, line, plan)
        except Refused as e:
            plan.problem(text("file.at", where=where, problem=e), line)
        except NotAllowed:
            plan.problem(
                text("file.not_my_point", where=where),
                line,
            )
    if not rows:
        plan.problem(text("file.no_changes"))
    await _check_together(sc, plan)


def _number(row: dict[str, str], key: str, lo: int, hi: int, default: int | None = None) -> int:
    if not row[key] and default is not None:
        return default
    try:
        return parse.whole_number(row[key], lo, hi)
    except Refused as e:
        raise Refused("file.field", field=key, problem=e) from None


async def _csv_row(
    sc: ServiceContext, default: Point, row: dict[str, str], where: Text, line: int, plan: Plan
) -> None:
    point = await service.point_for(sc, row["point"]) if row.get("point") else default
    action = row["action"].lower()
    if action not in ACTIONS:
        raise Refused("file.unknown_action", value=row["action"][:20])
    today = local_day(sc.now(), sc.tz)
    day = parse.day(row["date"], today) if row["date"] else None
    if day is None:
        raise Refused("file.date_missing")
    start = parse.clock(row["start"]) if row["start"] else None
    if action == "add":
        if start is None or not row["end"]:
            raise Refused("file.add_needs_times")
        shape = Shape(
            point.id,
            day,
            start,
            parse.clock(row["end"]),
            _number(row, "slot_minutes", 5, 240),
            _number(row, "seats_per_slot", 1, 500),
            _number(row, "priority_seats", 0, 500, default=0),
        )
        service.check_shape(shape)
        if at(day, start, sc.tz) <= sc.now():
            raise Refused("file.time_passed")
        plan.adds.append(Add(where, line, shape))
        return
    found = await _sessions_on(sc, point, day, start)
    if not found:
        raise Refused(
            "file.no_open_session",
            point=point.name,
            day=day.strftime("%d/%m/%Y"),
            at=f" {start:%H:%M}" if start else "",
        )
    if action == "cancel":
        if not row["reason"]:
            raise Refused("file.reason_missing")
        reason = parse.reason(row["reason"])
        plan.cancels += [Cancel(where, line, view.row.id, reason) for view in found]
        return
    seats = _number(row, "seats_per_slot", 1, 500)
    for view in found:
        if problem := service.below_floor(view, seats):
            raise problem
        plan.capacity.append(Capacity(where, line, view.row.id, seats))


async def _sessions_on(
    sc: ServiceContext, point: Point, day: date, start: time | None
) -> list[service.SessionView]:
    tz = sc.tz
    await placing.materialise_until(sc.session, service.places_of(sc), point.id, day, sc.now(), tz)
    query = select(BookingSession.id).where(
        BookingSession.point_id == point.id,
        BookingSession.status == "open",
        BookingSession.starts_at > sc.now(),
    )
    if start is None:
        query = query.where(
            BookingSession.starts_at >= at(day, time(0), tz),
            BookingSession.starts_at < at(day + timedelta(days=1), time(0), tz),
        )
    else:
        query = query.where(BookingSession.starts_at == at(day, start, tz))
    return [
        await service.session_for(sc, i)
        for i in (await sc.session.scalars(query.order_by(BookingSession.starts_at)))
    ]


async def _check_together(sc: ServiceContext, plan: Plan) -> None:
    """What only shows across lines: one session changed twice, new sessions overlapping
    each other or a session that stays."""
    seen: dict[int, str | Text] = {}
    changes: list[Cancel | Capacity] = [*plan.cancels, *plan.capacity]
    for item in changes:
        if item.session_id in seen and seen[item.session_id] != item.where:
            plan.problem(
                text(
                    "file.changed_twice",
                    where=item.where,
                    other=seen[item.session_id],
                ),
                item.line,
            )
        seen.setdefault(item.session_id, item.where)
    cancelled = {c.session_id for c in plan.cancels}
    tz = sc.tz
    for i, add in enumerate(plan.adds):
        new = add.shape.scheduled(tz)
        for other in plan.adds[:i]:
            o = other.shape.scheduled(tz)
            if (
                o.point_id == new.point_id
                and o.starts_at < new.ends_at
                and new.starts_at < o.ends_at
            ):
                plan.problem(
                    text(
                        "file.overlaps_added",
                        where=add.where,
                        other=other.where,
                    ),
                    add.line,
                )
        found = await placing.clashes(
            sc.session,
            service.places_of(sc),
            new.point_id,
            new.starts_at,
            new.ends_at,
            tz,
            ignore=cancelled,
        )
        if found:
            plan.problem(
                text(
                    "file.overlaps",
                    where=add.where,
                    when=found[0],
                ),
                add.line,
            )


# --- TOML ----------------------------------------------------------------------------------


async def _read_toml(
    sc: ServiceContext, chosen: Point, content: str, filename: str, plan: Plan
) -> None:
    try:
        data = tomllib.loads(content)
    except tomllib.TOMLDecodeError as e:
        plan.problem(text("file.bad_toml", error=str(e)))
        return
    places = service.places_of(sc)
    unit = given if isinstance(given := data.get("unit"), str) else chosen.unit
    problems: list[str] = []
    points = read_point_file(data, unit, filename[:60], places.units, problems)
    for problem in problems:
        plan.problem(text("file.as_found", problem=problem))
    if problems:
        return
    try:
        sc.actor.require_unit(unit)
    except NotAllowed:
        plan.problem(text("file.not_my_unit", unit=unit[:64]))
        return
    today = local_day(sc.now(), sc.tz)
    plan.until = until = _window_end(points, today, sc.horizon_days)
    for point in points:
        if point.id not in places.points or places.points[point.id].unit != unit:
            plan.problem(
                text(
                    "file.not_a_point_here",
                    id=point.id,
                )
            )
            continue
        await _diff(sc, point, today, until, plan)
    await _check_together(sc, plan)


def _window_end(points: list[Point], today: date, horizon_days: int) -> date:
    named = [
        d
        for p in points
        for d in (
            *p.closed,
            *(s.day for s in p.one_off),
            *(s.valid_until for s in p.regular if s.valid_until),
        )
    ]
    return min(
        max([today + timedelta(days=horizon_days), *named]), today + timedelta(days=MAX_DAYS)
    )


async def _diff(sc: ServiceContext, wanted: Point, today: date, until: date, plan: Plan) -> None:
    """The changes that make the point's sessions up to `until` what the file says."""
    now, tz = sc.now(), sc.tz
    await placing.materialise_until(sc.session, service.places_of(sc), wanted.id, until, now, tz)
    end = at(until + timedelta(days=1), time(0), tz)
    current = {
        v.row.starts_at: v
        for v in [
            await service.session_for(sc, i)
            for i in await sc.session.scalars(
                select(BookingSession.id).where(
                    BookingSession.point_id == wanted.id,
                    BookingSession.status == "open",
                    BookingSession.starts_at > now,
                    BookingSession.starts_at < end,
                )
            )
        ]
    }
    where = f"point[{wanted.id}]"
    for s in sessions_between(wanted, today, until, tz):
        if s.starts_at <= now:
            continue
        view = current.pop(s.starts_at, None)
        if view is not None and (view.row.ends_at, view.row.slot_minutes) == (
            s.ends_at,
            s.slot_minutes,
        ):
            if view.seats_per_slot != s.seats_per_slot:
                if problem := service.below_floor(view, s.seats_per_slot):
                    plan.problem(
                        text("file.at_time", where=where, when=s.starts_at, problem=problem)
                    )
                plan.capacity.append(Capacity(where, 0, view.row.id, s.seats_per_slot))
            continue
        if view is not None:  # same start, other hours: the old one goes, the new one comes
            plan.cancels.append(Cancel(where, 0, view.row.id, None))
        plan.adds.append(
            Add(
                where,
                0,
                Shape(
                    wanted.id,
                    s.day,
                    s.starts_at.astimezone(tz).time(),
                    s.ends_at.astimezone(tz).time(),
                    s.slot_minutes,
                    s.seats_per_slot,
                    s.priority_seats,
                ),
            )
        )
    plan.cancels += [Cancel(where, 0, v.row.id, None) for v in current.values()]


# --- applying ------------------------------------------------------------------------------


@officer_service
async def preview(sc: ServiceContext, point_id: str, document: Document) -> Plan:
    """The plan, read without keeping anything it had to write to check it (the points
    file's sessions written out early to compare against)."""
    async with sc.session.begin_nested() as savepoint:
        plan = await read(sc, point_id, document)
        await savepoint.rollback()
    return plan


@officer_service
async def apply(
    sc: ServiceContext, point_id: str, document: Document, seen: list[Any]
) -> tuple[Plan, bool]:
    """Read the file again and make its changes, if they are still the ones the officer saw
    (`seen`, the preview's fingerprint); (plan, applied). All in one savepoint:
    cancellations first (so new sessions may take their place), then seats, then new
    sessions; the people whose visits were cancelled are told last, so the free times
    offered include the new sessions."""
    async with sc.session.begin_nested() as savepoint:
        plan = await read(sc, point_id, document)
        if plan.problems or plan.empty or plan.fingerprint() != seen:
            await savepoint.rollback()
            return plan, False
        await _apply(sc, point_id, plan)
    return plan, True


async def _apply(sc: ServiceContext, point_id: str, plan: Plan) -> None:
    told: list[tuple[service.Cancelled, notices.Change]] = []
    for item in plan.cancels:
        view = await service.session_for(sc, item.session_id)
        done = await service.cancel_rows(sc, [view.row], item.reason)
        key = await service.record(
            sc,
            "session.cancel",
            f"session:{view.row.id}",
            {"status": "open"},
            {
                "status": "cancelled",
                "bookings_cancelled": len(done.bookings),
                "waitlist_told": len(done.entries),
                "from_file": plan.kind,
            },
            view.row.unit_id,
        )
        told.append((done, notices.Change(key, item.reason, sc.now())))
    for capacity in plan.capacity:
        await service.change_capacity(sc, capacity.session_id, capacity.seats)
    for add in plan.adds:
        await service.add_session(sc, add.shape)
    for done, change in told:
        await service.tell_cancelled(sc, done, change)
    point = service.places_of(sc).points[point_id]
    await audit.record_by(
        sc,
        "schedule.file",
        f"point:{point_id}",
        None,
        {
            "format": plan.kind,
            "added": len(plan.adds),
            "cancelled": len(plan.cancels),
            "capacity": len(plan.capacity),
            "bookings_cancelled": plan.bookings,
        },
        unit_id=point.unit,
    )
