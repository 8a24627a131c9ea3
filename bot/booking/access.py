"""Does a support point meet the visitor's needs? Checked against the point's `[point.access]`
fields (content/points/README.md) before any time is offered: "wheelchair" needs a step-free
way in, "hearing" looks at a hearing loop; "sight" has no field, so nothing is claimed.

A field the file leaves out is unknown, and unknown is said as unknown: never taken as a yes.
What does not fit (or is not known) can still be booked when the booker says so; the
booking then carries a note for the officers (`Booking.access_note`, shown in the daily list).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.points.find import distance_km
from bot.points.model import Places, Point

# need → the Access field that decides it
FIELD_OF_NEED = {"wheelchair": "step_free", "hearing": "hearing_loop"}
NEAREST_KM = 25.0  # a point that fits farther than this is not offered instead


@dataclass(frozen=True, slots=True)
class Fit:
    """How a point meets a set of needs: the needs it does not meet, and those it does not
    say anything about."""

    missing: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unknown

    def note(self) -> str | None:
        """The officers' note, stored as keys ("no:wheelchair unknown:hearing") and shown in
        each officer's language by `texts.access_warning`."""
        parts = [f"no:{n}" for n in self.missing] + [f"unknown:{n}" for n in self.unknown]
        return " ".join(parts) or None


def parse_note(note: str | None) -> Fit:
    missing: list[str] = []
    unknown: list[str] = []
    for part in (note or "").split():
        kind, _, need = part.partition(":")
        (missing if kind == "no" else unknown).append(need)
    return Fit(tuple(missing), tuple(unknown))


def fit(point: Point, needs: list[str] | tuple[str, ...]) -> Fit:
    missing: list[str] = []
    unknown: list[str] = []
    for need in needs:
        field = FIELD_OF_NEED.get(need)
        if field is None:
            continue
        value = getattr(point.access, field)
        if value is False:
            missing.append(need)
        elif value is None:
            unknown.append(need)
    return Fit(tuple(missing), tuple(unknown))


def nearest_fitting(
    places: Places, point: Point, needs: list[str] | tuple[str, ...], limit: int = 2
) -> list[tuple[Point, float]]:
    """Points that surely meet every need, nearest to `point` first (with km), within
    NEAREST_KM."""
    found = [
        (p, distance_km(point.lat, point.lon, p.lat, p.lon))
        for p in places.points.values()
        if p.id != point.id and fit(p, needs).ok
    ]
    found = [(p, km) for p, km in found if km <= NEAREST_KM]
    return sorted(found, key=lambda pk: pk[1])[:limit]
