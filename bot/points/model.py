"""What a loaded unit and support point are. Parsing/checking: bot/points/loader.py;
shared by finding, booking and officer features."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time


@dataclass(frozen=True, slots=True)
class Unit:
    """One of Hanoi's 126 commune-level units."""

    id: str  # ascii slug of the name, e.g. "hoan-kiem", unique
    kind: str  # "phuong" (ward) or "xa" (commune)
    name: str  # official name with diacritics, e.g. "Hoàn Kiếm"
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class RegularSession:
    """A recurring session: e.g. every Tuesday and Thursday 08:00-11:00."""

    weekdays: tuple[int, ...]  # 0 = Monday … 6 = Sunday
    start: time
    end: time
    slot_minutes: int
    seats_per_slot: int
    priority_seats: int  # of seats_per_slot, held for priority visitors until 24 h before
    valid_from: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class OneOffSession:
    day: date
    start: time
    end: time
    slot_minutes: int
    seats_per_slot: int
    priority_seats: int


@dataclass(frozen=True, slots=True)
class Access:
    """What a point's file says about getting in, as fields (content/points/README.md). None
    means the file does not say: unknown, never taken as yes or no."""

    step_free: bool | None = None  # a wheelchair gets from the street to the room, no steps
    lift: bool | None = None  # a lift to the room's floor
    floor: int | None = None  # the room's floor as numbered in Vietnam: 1 = street level
    hearing_loop: bool | None = None  # a hearing loop (induction loop) at the desk
    parking: bool | None = None  # parking for visitors (motorbike or car)


@dataclass(frozen=True, slots=True)
class Point:
    id: str  # short, [a-z0-9-], ≤ 24 chars (used in payloads and deep links: p_<id>)
    unit: str  # Unit.id
    name: str
    address: str
    lat: float
    lon: float
    accessibility: str  # notes for wheelchair, hearing, sight; "" when none known
    regular: tuple[RegularSession, ...]
    one_off: tuple[OneOffSession, ...]
    closed: tuple[date, ...]
    sample: bool  # True for the sample points we ship (not a real published point)
    # The point's phone line as published (for people without a smartphone); "" when none.
    phone: str = ""
    access: Access = Access()


@dataclass(frozen=True)
class Places:
    """All units and support points, immutable once loaded (a reload swaps a whole new one)."""

    units: dict[str, Unit]  # id → unit, in the order of units.toml
    points: dict[str, Point]  # id → point
    by_unit: dict[str, tuple[Point, ...]]  # unit id → its points (only units that have some)

    def unit_of(self, point: Point) -> Unit:
        return self.units[point.unit]

    def points_of(self, unit_id: str) -> tuple[Point, ...]:
        return self.by_unit.get(unit_id, ())

    def units_with_points(self) -> list[Unit]:
        return [u for u in self.units.values() if u.id in self.by_unit]
