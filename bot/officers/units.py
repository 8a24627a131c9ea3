"""The unit ids officers may be given: the 126 communes/wards of content/places/units.toml.

The loaded places (`core.services["places"]`) are used when a feature loaded them; otherwise
(the command line, or before the points feature started) only the units file is read, so a
broken points file never stops an operator from managing officers.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.errors import ContentError, TrolysoError
from bot.points.model import Unit

UNITS_FILE = Path("places") / "units.toml"


class UnknownUnit(TrolysoError):
    """A unit id that is not one of content/places/units.toml."""

    def __init__(self, unknown: list[str], known: Iterable[str]):
        known = list(known)
        parts = []
        for unit_id in unknown:
            close = difflib.get_close_matches(unit_id, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            parts.append(f"{unit_id}{hint}")
        super().__init__(
            f"unknown unit id {', '.join(parts)}: unit ids are those of "
            f"content/{UNITS_FILE.as_posix()}, e.g. hoan-kiem"
        )
        self.unknown = unknown


def read_units_file(content_dir: Path) -> dict[str, Unit]:
    """id → Unit from the units file alone; ContentError when it cannot be read."""
    path = content_dir / UNITS_FILE
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ContentError([f"{UNITS_FILE.as_posix()}: file is missing ({path})"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ContentError([f"{UNITS_FILE.as_posix()}: not valid TOML: {e}"]) from None
    units: dict[str, Unit] = {}
    for raw in data.get("units", []):
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            units[raw["id"]] = Unit(
                id=raw["id"], kind=str(raw.get("kind", "")), name=str(raw.get("name", raw["id"]))
            )
    return units


def known_units(services: Mapping[str, Any], content_dir: Path) -> Mapping[str, Unit]:
    places = services.get("places")
    if places is not None:
        return places.units
    return read_units_file(content_dir)


def check_units(unit_ids: Iterable[str], known: Mapping[str, Unit]) -> None:
    unknown = [u for u in unit_ids if u not in known]
    if unknown:
        raise UnknownUnit(unknown, known)
