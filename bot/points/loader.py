"""Reading and checking content/places/units.toml and content/points/*.toml.

Every problem names its file and key (`points/hoan-kiem.toml: point[hk-1].session[2].end:
must be after start 09:00`), so an editor can fix a broken file without reading code.
`load_places()` raises ContentError with all problems; `check_points()` just lists them.
The file format is described in content/points/README.md.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from bot.errors import ContentError
from bot.points.model import Access, OneOffSession, Places, Point, RegularSession, Unit
from bot.points.names import slug
from bot.points.sessions import runs_on

UNITS_FILE = Path("places") / "units.toml"
POINTS_DIR = Path("points")
KINDS = ("phuong", "xa")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Short enough for a 64-byte button payload and a messenger's deep link (p_<id>).
POINT_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?")
UNIT_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# A published phone line: digits with spaces, dots or dashes, maybe +84 (8-15 digits).
PHONE = re.compile(r"\+?(?:\d[ .-]?){7,14}\d")
# A box around Hanoi (Ba Vì in the west to Gia Lâm in the east, Sóc Sơn to Mỹ Đức).
HANOI_LAT = (20.50, 21.40)
HANOI_LON = (105.25, 106.05)
HHMM = re.compile(r"(\d\d):(\d\d)")

FILE_KEYS = {"sample", "unit", "point"}
UNIT_KEYS = {"id", "kind", "name", "lat", "lon"}
POINT_KEYS = {
    "id",
    "name",
    "address",
    "lat",
    "lon",
    "accessibility",
    "access",
    "phone",
    "closed",
    "session",
    "one_off",
}
SESSION_KEYS = {
    "weekdays",
    "start",
    "end",
    "slot_minutes",
    "seats_per_slot",
    "priority_seats",
    "valid_from",
    "valid_until",
}
ACCESS_FLAGS = ("step_free", "lift", "hearing_loop", "parking")
ACCESS_KEYS = {*ACCESS_FLAGS, "floor"}
ONE_OFF_KEYS = {"date", "start", "end", "slot_minutes", "seats_per_slot", "priority_seats"}

_MISSING = object()


class _Table:
    """One TOML table being read; each problem it reports names the file and the key."""

    def __init__(self, data: dict[str, Any], file: str, path: str, problems: list[str]):
        self.data, self.file, self.path, self.problems = data, file, path, problems

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def problem(self, name: str | None, message: str) -> None:
        where = self.key(name) if name else self.path
        self.problems.append(
            f"{self.file}: {where}: {message}" if where else f"{self.file}: {message}"
        )

    def only(self, allowed: set[str]) -> None:
        for name in sorted(set(self.data) - allowed):
            self.problem(name, "unknown key (allowed: " + ", ".join(sorted(allowed)) + ")")

    def get(
        self, name: str, kind: type | tuple[type, ...], form: str, required: bool = True
    ) -> Any:
        value = self.data.get(name, _MISSING)
        if value is _MISSING:
            if required:
                self.problem(name, f"missing; must be {form}")
            return None
        # bool is an int in Python, and a TOML datetime is a date: refuse both look-alikes.
        wrong_bool = isinstance(value, bool) and bool not in _as_tuple(kind)
        wrong_datetime = isinstance(value, datetime) and datetime not in _as_tuple(kind)
        if not isinstance(value, kind) or wrong_bool or wrong_datetime:
            self.problem(name, f"must be {form}; got {value!r}")
            return None
        return value

    def text(self, name: str, required: bool = True) -> str | None:
        value = self.get(name, str, "text in quotes", required)
        if value is not None and not value.strip():
            self.problem(name, "must not be empty")
            return None
        return value.strip() if value is not None else None

    def integer(self, name: str, lo: int, hi: int) -> int | None:
        value = self.get(name, int, f"a whole number from {lo} to {hi}")
        if value is not None and not lo <= value <= hi:
            self.problem(name, f"must be a whole number from {lo} to {hi}; got {value}")
            return None
        return value

    def number(self, name: str, lo: float, hi: float, required: bool = True) -> float | None:
        value = self.get(name, (int, float), f"a number from {lo} to {hi}", required)
        if value is not None and not lo <= value <= hi:
            self.problem(name, f"must be from {lo} to {hi} (inside Hanoi); got {value}")
            return None
        return float(value) if value is not None else None

    def clock_time(self, name: str) -> time | None:
        value = self.get(name, (str, time), 'a time like "08:00"')
        if isinstance(value, time):
            return value.replace(second=0, microsecond=0)
        if value is None:
            return None
        m = HHMM.fullmatch(value.strip())
        if not m or int(m[1]) > 23 or int(m[2]) > 59:
            self.problem(name, f'must be a time like "08:00"; got {value!r}')
            return None
        return time(int(m[1]), int(m[2]))

    def day(self, name: str, required: bool = True) -> date | None:
        return self.get(name, date, "a date like 2026-12-01 (no quotes)", required)

    def tables(self, name: str) -> list[tuple[int, dict[str, Any]]]:
        value = self.data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
            self.problem(name, f"must be a list of tables ([[{self.key(name)}]])")
            return []
        return list(enumerate(value, start=1))


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _read_toml(path: Path, file: str, problems: list[str]) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        problems.append(f"{file}: file is missing")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        problems.append(f"{file}: not valid TOML: {e}")
    return None


# --- units ---------------------------------------------------------------------------------


def _read_units(content_dir: Path, problems: list[str]) -> dict[str, Unit]:
    file = UNITS_FILE.as_posix()
    data = _read_toml(content_dir / UNITS_FILE, file, problems)
    if data is None:
        return {}
    top = _Table(data, file, "", problems)
    top.only({"units"})
    units: dict[str, Unit] = {}
    for n, raw in top.tables("units"):
        unit = _read_unit(_Table(raw, file, f"units[{n}]", problems))
        if unit is None:
            continue
        if unit.id in units:
            problems.append(f"{file}: units[{n}].id: duplicate id {unit.id}")
            continue
        units[unit.id] = unit
    return units


def _read_unit(t: _Table) -> Unit | None:
    t.only(UNIT_KEYS)
    unit_id, name = t.text("id"), t.text("name")
    kind = t.get("kind", str, "phuong or xa")
    if kind is not None and kind not in KINDS:
        t.problem("kind", f"must be phuong or xa; got {kind!r}")
        kind = None
    if unit_id is not None and not UNIT_ID.fullmatch(unit_id):
        t.problem("id", f"must be lower-case ascii words joined by '-'; got {unit_id!r}")
        unit_id = None
    if unit_id and name and unit_id != slug(name):
        t.problem("id", f"must be the slug of the name ({slug(name)}); got {unit_id}")
    lat = t.number("lat", *HANOI_LAT, required=False)
    lon = t.number("lon", *HANOI_LON, required=False)
    if ("lat" in t.data) != ("lon" in t.data):
        t.problem(None, "give both lat and lon, or neither")
        lat = lon = None
    if unit_id is None or name is None or kind is None:
        return None
    return Unit(id=unit_id, kind=kind, name=name, lat=lat, lon=lon)


# --- points --------------------------------------------------------------------------------


def _read_point_files(
    content_dir: Path, units: dict[str, Unit], problems: list[str]
) -> list[tuple[str, Point]]:
    points: list[tuple[str, Point]] = []
    for path in sorted((content_dir / POINTS_DIR).glob("*.toml")):
        file = (POINTS_DIR / path.name).as_posix()
        data = _read_toml(path, file, problems)
        if data is not None:
            points += [(file, p) for p in read_point_file(data, path.stem, file, units, problems)]
    return points


def read_point_file(
    data: dict[str, Any], stem: str, file: str, units: dict[str, Unit], problems: list[str]
) -> list[Point]:
    top = _Table(data, file, "", problems)
    top.only(FILE_KEYS)
    sample = top.get("sample", bool, "true or false", required=False) or False
    unit = top.text("unit")
    if unit is not None and units and unit not in units:
        top.problem("unit", f"unknown unit {unit!r} (ids are in {UNITS_FILE.as_posix()})")
        unit = None
    if unit is not None and stem != unit:
        top.problem("unit", f"the file must be named after its unit: {unit}.toml")
    entries = top.tables("point")
    if not entries:
        top.problem("point", "no [[point]] in this file")
    points = []
    for n, raw in entries:
        label = raw.get("id") if isinstance(raw.get("id"), str) else str(n)
        point = _read_point(_Table(raw, file, f"point[{label}]", problems), unit, sample)
        if point is not None:
            points.append(point)
    return points


def _read_point(t: _Table, unit: str | None, sample: bool) -> Point | None:
    t.only(POINT_KEYS)
    point_id = t.text("id")
    if point_id is not None and not POINT_ID.fullmatch(point_id):
        t.problem(
            "id",
            "must be 1-24 characters of a-z, 0-9 and '-', not starting or "
            f"ending with '-'; got {point_id!r}",
        )
        point_id = None
    name, address = t.text("name"), t.text("address")
    lat, lon = t.number("lat", *HANOI_LAT), t.number("lon", *HANOI_LON)
    accessibility = t.get("accessibility", str, "text in quotes", required=False) or ""
    phone = (t.get("phone", str, "a phone number in quotes", required=False) or "").strip()
    if phone and not PHONE.fullmatch(phone):
        t.problem("phone", f'must be a phone number such as "024 3825 1234"; got {phone!r}')
        phone = ""
    access = _read_access(t)
    closed = _read_closed(t)
    regular = [
        s
        for n, raw in t.tables("session")
        if (s := _read_regular(_Table(raw, t.file, f"{t.path}.session[{n}]", t.problems)))
        is not None
    ]
    one_off = [
        o
        for n, raw in t.tables("one_off")
        if (o := _read_one_off(_Table(raw, t.file, f"{t.path}.one_off[{n}]", t.problems)))
        is not None
    ]
    _check_overlaps(t, regular, one_off, closed)
    if (
        point_id is None
        or name is None
        or address is None
        or lat is None
        or lon is None
        or unit is None
    ):
        return None
    return Point(
        id=point_id,
        unit=unit,
        name=name,
        address=address,
        lat=lat,
        lon=lon,
        accessibility=accessibility.strip(),
        regular=tuple(regular),
        one_off=tuple(sorted(one_off, key=lambda s: (s.day, s.start))),
        closed=tuple(sorted(closed)),
        sample=sample,
        phone=phone,
        access=access,
    )


def _read_access(t: _Table) -> Access:
    """`[point.access]`: each flag true or false, `floor` a whole number; a key left out is
    unknown (the point's prose may say more, but the booking only trusts these)."""
    raw = t.get("access", dict, "a table [point.access]", required=False)
    if raw is None:
        return Access()
    a = _Table(raw, t.file, f"{t.path}.access", t.problems)
    a.only(ACCESS_KEYS)
    flags = {name: a.get(name, bool, "true or false", required=False) for name in ACCESS_FLAGS}
    floor = None
    if "floor" in raw:
        floor = a.integer("floor", -3, 40)
        if floor == 0:
            a.problem("floor", "must not be 0: the street level is floor 1 (tầng 1, tầng trệt)")
            floor = None
    if flags["step_free"] is True and flags["lift"] is False and floor is not None and floor > 1:
        a.problem("step_free", f"cannot be true on floor {floor} without a lift")
    return Access(floor=floor, **flags)


def _read_closed(t: _Table) -> list[date]:
    value = t.get("closed", list, "a list of dates like [2027-01-01]", required=False) or []
    days = []
    for d in value:
        if isinstance(d, date) and not isinstance(d, datetime):
            days.append(d)
        else:
            t.problem("closed", f"must hold dates like 2027-01-01 (no quotes); got {d!r}")
    return days


def _read_times(t: _Table) -> tuple[time, time, int, int, int] | None:
    """start, end, slot_minutes, seats_per_slot, priority_seats — checked together."""
    start, end = t.clock_time("start"), t.clock_time("end")
    slot = t.integer("slot_minutes", 5, 240)
    seats = t.integer("seats_per_slot", 1, 500)
    priority = t.integer("priority_seats", 0, 500)
    complete = start, end, slot, seats, priority
    ok = True
    if start is not None and end is not None and end <= start:
        t.problem("end", f"must be after start {start:%H:%M}; got {end:%H:%M}")
        ok = False
    elif start is not None and end is not None and slot is not None and None not in complete:
        length = _minutes(end) - _minutes(start)
        if length % slot:
            t.problem(
                "slot_minutes",
                f"{slot} does not divide the session "
                f"{start:%H:%M}-{end:%H:%M} ({length} minutes) into whole slots",
            )
            ok = False
    if seats is not None and priority is not None and priority > seats:
        t.problem("priority_seats", f"{priority} is more than seats_per_slot {seats}")
        ok = False
    if not ok or start is None or end is None or slot is None or seats is None or priority is None:
        return None
    return start, end, slot, seats, priority


def _read_regular(t: _Table) -> RegularSession | None:
    t.only(SESSION_KEYS)
    weekdays = _read_weekdays(t)
    times = _read_times(t)
    valid_from, valid_until = t.day("valid_from", False), t.day("valid_until", False)
    if valid_from and valid_until and valid_until < valid_from:
        t.problem("valid_until", f"{valid_until} is before valid_from {valid_from}")
        return None
    if weekdays is None or times is None:
        return None
    start, end, slot, seats, priority = times
    return RegularSession(
        weekdays=weekdays,
        start=start,
        end=end,
        slot_minutes=slot,
        seats_per_slot=seats,
        priority_seats=priority,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def _read_weekdays(t: _Table) -> tuple[int, ...] | None:
    form = 'a list of days like ["tue", "thu"] (' + ", ".join(WEEKDAYS) + ")"
    value = t.get("weekdays", list, form)
    if value is None:
        return None
    names = [v.strip().lower() if isinstance(v, str) else v for v in value]
    bad = [v for v in names if v not in WEEKDAYS]
    if bad or not names or len(set(names)) != len(names):
        t.problem("weekdays", f"must be {form}, each day once; got {value!r}")
        return None
    return tuple(sorted(WEEKDAYS.index(v) for v in names))


def _read_one_off(t: _Table) -> OneOffSession | None:
    t.only(ONE_OFF_KEYS)
    day = t.day("date")
    times = _read_times(t)
    if day is None or times is None:
        return None
    start, end, slot, seats, priority = times
    return OneOffSession(
        day=day,
        start=start,
        end=end,
        slot_minutes=slot,
        seats_per_slot=seats,
        priority_seats=priority,
    )


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _times_overlap(a: RegularSession | OneOffSession, b: RegularSession | OneOffSession) -> bool:
    return a.start < b.end and b.start < a.end


def _periods_overlap(a: RegularSession, b: RegularSession) -> bool:
    return (a.valid_until is None or b.valid_from is None or b.valid_from <= a.valid_until) and (
        b.valid_until is None or a.valid_from is None or a.valid_from <= b.valid_until
    )


def _check_overlaps(
    t: _Table, regular: list[RegularSession], one_off: list[OneOffSession], closed: list[date]
) -> None:
    """Two sessions at the same time would offer the same seats twice."""
    for i, a in enumerate(regular, start=1):
        for j, b in enumerate(regular[i:], start=i + 1):
            if (
                set(a.weekdays) & set(b.weekdays)
                and _times_overlap(a, b)
                and _periods_overlap(a, b)
            ):
                t.problem(f"session[{j}]", f"overlaps session[{i}] on the same weekday")
    for i, s in enumerate(one_off, start=1):
        if s.day in closed:
            t.problem(f"one_off[{i}]", f"{s.day} is also listed in closed")
        clashes: list[OneOffSession | RegularSession] = [
            o for o in one_off[: i - 1] if o.day == s.day and _times_overlap(o, s)
        ]
        clashes += [r for r in regular if runs_on(r, s.day) and _times_overlap(r, s)]
        if clashes:
            t.problem(f"one_off[{i}]", f"overlaps another session on {s.day}")


# --- together ------------------------------------------------------------------------------


def _read(content_dir: Path) -> tuple[Places, list[str]]:
    problems: list[str] = []
    units = _read_units(content_dir, problems)
    points: dict[str, Point] = {}
    files: dict[str, str] = {}
    for file, point in _read_point_files(content_dir, units, problems):
        if point.id in points:
            problems.append(
                f"{file}: point[{point.id}].id: duplicate id {point.id} (first in "
                f"{files[point.id]})"
            )
            continue
        points[point.id], files[point.id] = point, file
    by_unit: dict[str, list[Point]] = {}
    for point in sorted(points.values(), key=lambda p: p.id):
        by_unit.setdefault(point.unit, []).append(point)
    places = Places(
        units=units, points=points, by_unit={u: tuple(ps) for u, ps in by_unit.items()}
    )
    return places, problems


def check_points(content_dir: Path) -> list[str]:
    """Every problem in the places and points files (empty when all is well)."""
    return _read(content_dir)[1]


def load_places(content_dir: Path) -> Places:
    """The units and points; ContentError listing every problem when any file is broken."""
    places, problems = _read(content_dir)
    if problems:
        raise ContentError(problems)
    return places
