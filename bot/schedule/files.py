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

from bot.booking import texts
from bot.db.booking_models import BookingSession
from bot.i18n import N_, _
from bot.officers import audit
from bot.officers.roles import NotAllowed, require_unit
from bot.points.loader import read_point_file
from bot.points.model import Point
from bot.points.sessions import sessions_between
from bot.schedule import notices, parse, placing, service
from bot.schedule.errors import Refused
from bot.schedule.placing import Shape, at, local_day
from bot.types import Document

if TYPE_CHECKING:
    from bot.ctx import Ctx

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
    where: str
    line: int
    shape: Shape


@dataclass(frozen=True)
class Cancel:
    where: str
    line: int
    session_id: int
    reason: str | None


@dataclass(frozen=True)
class Capacity:
    where: str
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
    found: list[tuple[int, str]] = field(default_factory=list)
    bookings: int = 0  # confirmed bookings of the sessions cancelled
    waiting: int = 0
    until: date | None = None  # TOML: the last day the file was compared

    def problem(self, text: str, line: int = 0) -> None:
        self.found.append((line, text))

    @property
    def problems(self) -> list[str]:
        return [text for _line, text in sorted(self.found, key=lambda p: p[0])]

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


async def read(ctx: Ctx, point_id: str, document: Document) -> Plan:
    """The plan of a file sent for `point_id` (the officer may act for it)."""
    point = await service.point_for(ctx, point_id)
    kind = kind_of(document)
    if kind is None:
        raise Refused(_("Please send a .csv or .toml file (the schedule formats)."))
    plan = Plan(kind)
    if len(document.data) > MAX_BYTES:
        plan.problem(_("The file is too big (at most {n} KB).", n=MAX_BYTES // 1000))
        return plan
    try:
        text = document.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        plan.problem(_("The file is not UTF-8 text. Please save it as “CSV UTF-8”."))
        return plan
    if kind == "csv":
        await _read_csv(ctx, point, text, plan)
    else:
        await _read_toml(ctx, point, text, document.filename, plan)
    if not plan.problems:
        plan.bookings, plan.waiting = await service.affected(
            ctx, [c.session_id for c in plan.cancels]
        )
    return plan


# --- CSV -----------------------------------------------------------------------------------


def _dialect(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if ";" in first and "," not in first else ","


async def _read_csv(ctx: Ctx, point: Point, text: str, plan: Plan) -> None:
    reader = csv.reader(io.StringIO(text), delimiter=_dialect(text))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    unknown = [h for h in header if h not in (*CSV_COLUMNS, "point")]
    if missing or unknown:
        plan.problem(
            _(
                "line 1: the header must be: {header} (missing: {missing}; unknown: {unknown})",
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
        where = _("line {n}", n=line)
        if rows > MAX_ROWS:
            plan.problem(
                _("{where}: at most {n} changes in one file", where=where, n=MAX_ROWS), line
            )
            return
        if len(values) != len(header):
            plan.problem(
                _(
                    "{where}: {n} values, but the header has {m} columns",
                    where=where,
                    n=len(values),
                    m=len(header),
                ),
                line,
            )
            continue
        row = {h: v.strip() for h, v in zip(header, values, strict=True)}
        try:
            await _csv_row(ctx, point, row, where, line, plan)
        except Refused as e:
            plan.problem(f"{where}: {e}", line)
        except NotAllowed:
            plan.problem(
                _("{where}: you are not an officer of that point's commune or ward", where=where),
                line,
            )
    if not rows:
        plan.problem(_("The file has a header but no changes."))
    await _check_together(ctx, plan)


def _number(row: dict[str, str], key: str, lo: int, hi: int, default: int | None = None) -> int:
    if not row[key] and default is not None:
        return default
    try:
        return parse.whole_number(row[key], lo, hi)
    except Refused as e:
        raise Refused(f"{key}: {e}") from None


async def _csv_row(
    ctx: Ctx, default: Point, row: dict[str, str], where: str, line: int, plan: Plan
) -> None:
    point = await service.point_for(ctx, row["point"]) if row.get("point") else default
    action = row["action"].lower()
    if action not in ACTIONS:
        raise Refused(
            _("action must be add, cancel or capacity; got “{value}”", value=row["action"][:20])
        )
    today = local_day(ctx.now(), ctx.config.tz)
    day = parse.day(row["date"], today) if row["date"] else None
    if day is None:
        raise Refused(_("date is missing"))
    start = parse.clock(row["start"]) if row["start"] else None
    if action == "add":
        if start is None or not row["end"]:
            raise Refused(_("a new session needs start and end"))
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
        if at(day, start, ctx.config.tz) <= ctx.now():
            raise Refused(_("that time has already passed"))
        plan.adds.append(Add(where, line, shape))
        return
    found = await _sessions_on(ctx, point, day, start)
    if not found:
        raise Refused(
            _(
                "there is no open session at {point} on {day}{at}",
                point=point.name,
                day=day.strftime("%d/%m/%Y"),
                at=f" {start:%H:%M}" if start else "",
            )
        )
    if action == "cancel":
        if not row["reason"]:
            raise Refused(_("reason is missing: it is sent to every visitor"))
        reason = parse.reason(row["reason"])
        plan.cancels += [Cancel(where, line, view.row.id, reason) for view in found]
        return
    seats = _number(row, "seats_per_slot", 1, 500)
    for view in found:
        if problem := service.below_floor(view, seats):
            raise Refused(problem)
        plan.capacity.append(Capacity(where, line, view.row.id, seats))


async def _sessions_on(
    ctx: Ctx, point: Point, day: date, start: time | None
) -> list[service.SessionView]:
    tz = ctx.config.tz
    await placing.materialise_until(
        ctx.session, service.places_of(ctx), point.id, day, ctx.now(), tz
    )
    query = select(BookingSession.id).where(
        BookingSession.point_id == point.id,
        BookingSession.status == "open",
        BookingSession.starts_at > ctx.now(),
    )
    if start is None:
        query = query.where(
            BookingSession.starts_at >= at(day, time(0), tz),
            BookingSession.starts_at < at(day + timedelta(days=1), time(0), tz),
        )
    else:
        query = query.where(BookingSession.starts_at == at(day, start, tz))
    return [
        await service.session_for(ctx, i)
        for i in (await ctx.session.scalars(query.order_by(BookingSession.starts_at)))
    ]


async def _check_together(ctx: Ctx, plan: Plan) -> None:
    """What only shows across lines: one session changed twice, new sessions overlapping
    each other or a session that stays."""
    seen: dict[int, str] = {}
    changes: list[Cancel | Capacity] = [*plan.cancels, *plan.capacity]
    for item in changes:
        if item.session_id in seen and seen[item.session_id] != item.where:
            plan.problem(
                _(
                    "{where}: the same session is already changed on {other}",
                    where=item.where,
                    other=seen[item.session_id],
                ),
                item.line,
            )
        seen.setdefault(item.session_id, item.where)
    cancelled = {c.session_id for c in plan.cancels}
    tz = ctx.config.tz
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
                    _(
                        "{where}: overlaps the session added on {other}",
                        where=add.where,
                        other=other.where,
                    ),
                    add.line,
                )
        found = await placing.clashes(
            ctx.session,
            service.places_of(ctx),
            new.point_id,
            new.starts_at,
            new.ends_at,
            tz,
            ignore=cancelled,
        )
        if found:
            plan.problem(
                _(
                    "{where}: overlaps the session at {when}",
                    where=add.where,
                    when=texts.moment(found[0]),
                ),
                add.line,
            )


# --- TOML ----------------------------------------------------------------------------------


async def _read_toml(ctx: Ctx, chosen: Point, text: str, filename: str, plan: Plan) -> None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        plan.problem(_("not valid TOML: {error}", error=str(e)))
        return
    places = service.places_of(ctx)
    unit = given if isinstance(given := data.get("unit"), str) else chosen.unit
    problems: list[str] = []
    points = read_point_file(data, unit, filename[:60], places.units, problems)
    for problem in problems:
        plan.problem(problem)
    if problems:
        return
    try:
        await require_unit(ctx, unit)
    except NotAllowed:
        plan.problem(_("unit: you are not an officer of “{unit}”", unit=unit[:64]))
        return
    today = local_day(ctx.now(), ctx.config.tz)
    plan.until = until = _window_end(points, today, ctx.config.booking.horizon_days)
    for point in points:
        if point.id not in places.points or places.points[point.id].unit != unit:
            plan.problem(
                _(
                    "point[{id}]: not a support point of this unit here (new "
                    "points are added by the operator)",
                    id=point.id,
                )
            )
            continue
        await _diff(ctx, point, today, until, plan)
    await _check_together(ctx, plan)


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


async def _diff(ctx: Ctx, wanted: Point, today: date, until: date, plan: Plan) -> None:
    """The changes that make the point's sessions up to `until` what the file says."""
    now, tz = ctx.now(), ctx.config.tz
    await placing.materialise_until(ctx.session, service.places_of(ctx), wanted.id, until, now, tz)
    end = at(until + timedelta(days=1), time(0), tz)
    current = {
        v.row.starts_at: v
        for v in [
            await service.session_for(ctx, i)
            for i in await ctx.session.scalars(
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
                    plan.problem(f"{where} {texts.moment(s.starts_at)}: {problem}")
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


async def preview(ctx: Ctx, point_id: str, document: Document) -> Plan:
    """The plan, read without keeping anything it had to write to check it (the points
    file's sessions written out early to compare against)."""
    async with ctx.session.begin_nested() as savepoint:
        plan = await read(ctx, point_id, document)
        await savepoint.rollback()
    return plan


async def apply(ctx: Ctx, point_id: str, document: Document, seen: list[Any]) -> tuple[Plan, bool]:
    """Read the file again and make its changes, if they are still the ones the officer saw
    (`seen`, the preview's fingerprint); (plan, applied). All in one savepoint:
    cancellations first (so new sessions may take their place), then seats, then new
    sessions; the people whose visits were cancelled are told last, so the free times
    offered include the new sessions."""
    async with ctx.session.begin_nested() as savepoint:
        plan = await read(ctx, point_id, document)
        if plan.problems or plan.empty or plan.fingerprint() != seen:
            await savepoint.rollback()
            return plan, False
        await _apply(ctx, point_id, plan)
    return plan, True


async def _apply(ctx: Ctx, point_id: str, plan: Plan) -> None:
    told: list[tuple[service.Cancelled, notices.Change]] = []
    for item in plan.cancels:
        view = await service.session_for(ctx, item.session_id)
        done = await service.cancel_rows(ctx, [view.row], item.reason)
        key = await service.record(
            ctx,
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
        told.append((done, notices.Change(key, item.reason, ctx.now())))
    for capacity in plan.capacity:
        await service.change_capacity(ctx, capacity.session_id, capacity.seats)
    for add in plan.adds:
        await service.add_session(ctx, add.shape)
    for done, change in told:
        await service.tell_cancelled(ctx, done, change)
    point = service.places_of(ctx).points[point_id]
    await audit.record_for(
        ctx,
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
