"""Places and points files: the shipped ones load, and each broken rule is reported with its
file and key."""

from __future__ import annotations

import textwrap
from datetime import date, time

import pytest

from bot.errors import ContentError
from bot.points.loader import check_points, load_places
from tests.conftest import ROOT
from tools.gen_units import DEFAULT_TSV, render

UNITS = """\
units = [
  { id = "hoan-kiem", kind = "phuong", name = "Hoàn Kiếm", lat = 21.0287, lon = 105.8524 },
  { id = "soc-son", kind = "xa", name = "Sóc Sơn", lat = 21.257, lon = 105.848 },
]
"""

GOOD_POINT = """\
sample = true
unit = "hoan-kiem"

[[point]]
id = "hk-1"
name = "Điểm hỗ trợ (mẫu)"
address = "Trụ sở UBND phường Hoàn Kiếm (địa chỉ mẫu)"
lat = 21.029
lon = 105.852
closed = [2027-01-01]

[[point.session]]
weekdays = ["tue", "thu"]
start = "08:00"
end = "11:00"
slot_minutes = 30
seats_per_slot = 4
priority_seats = 2
"""


def _content(tmp_path, points: dict[str, str], units: str = UNITS):
    (tmp_path / "places").mkdir()
    (tmp_path / "places" / "units.toml").write_text(units, encoding="utf-8")
    (tmp_path / "points").mkdir()
    for name, text in points.items():
        (tmp_path / "points" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def _problems(tmp_path, point_text: str, name: str = "hoan-kiem.toml") -> list[str]:
    return check_points(_content(tmp_path, {name: point_text}))


def test_shipped_units_and_sample_points_load_without_problems():
    places = load_places(ROOT / "content")
    assert len(places.units) == 126
    assert {u.kind for u in places.units.values()} == {"phuong", "xa"}
    assert len(places.by_unit) >= 8
    assert all(p.sample for p in places.points.values()), "until real data: samples only"
    outer = {"soc-son", "son-tay", "dong-anh"} & set(places.by_unit)
    central = {"hoan-kiem", "ba-dinh", "dong-da"} & set(places.by_unit)
    assert outer and central, "samples spread over central wards and outer communes"


def test_sample_point_files_say_at_the_top_they_are_not_real():
    places = load_places(ROOT / "content")
    for path in (ROOT / "content" / "points").glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        marked = any(p.sample for p in places.points_of(path.stem))
        says_so = text.startswith("# SAMPLE — not a real published support point")
        assert marked == says_so, (
            f"{path.name}: `sample = true` and the SAMPLE comment go together"
        )


def test_sample_points_sit_near_their_units_centre():
    from bot.points.find import distance_km

    places = load_places(ROOT / "content")
    for point in places.points.values():
        unit = places.unit_of(point)
        assert unit.lat is not None, f"{point.id}: sample points go to units with a centre"
        assert distance_km(point.lat, point.lon, unit.lat, unit.lon) < 1.5, point.id


@pytest.mark.skipif(not DEFAULT_TSV.exists(), reason="the shared data is not beside the repo")
def test_units_file_is_what_the_script_makes_from_the_shared_data():
    expected = render(DEFAULT_TSV.read_text(encoding="utf-8"))
    actual = (ROOT / "content" / "places" / "units.toml").read_text(encoding="utf-8")
    assert actual == expected, "run tools/gen_units.py"


def test_unit_ids_are_the_ascii_slugs_of_names():
    places = load_places(ROOT / "content")
    assert places.units["van-mieu-quoc-tu-giam"].name == "Văn Miếu - Quốc Tử Giám"
    assert places.units["dong-da"].name == "Đống Đa"
    assert places.units["o-cho-dua"].name == "Ô Chợ Dừa"


def test_a_good_points_file_loads_with_its_sessions(tmp_path):
    places = load_places(_content(tmp_path, {"hoan-kiem.toml": GOOD_POINT}))
    point = places.points["hk-1"]
    assert point.unit == "hoan-kiem" and point.sample
    assert point.regular[0].weekdays == (1, 3)
    assert point.regular[0].start == time(8, 0) and point.regular[0].end == time(11, 0)
    assert point.closed == (date(2027, 1, 1),)
    assert places.points_of("hoan-kiem") == (point,)


def test_broken_toml_is_reported_with_its_file(tmp_path):
    problems = _problems(tmp_path, "unit = \n")
    assert len(problems) == 1
    assert problems[0].startswith("points/hoan-kiem.toml: not valid TOML")


def test_unknown_keys_are_named_where_they_are(tmp_path):
    text = GOOD_POINT.replace("lat = 21.029", 'lat = 21.029\nemail = "a@b"').replace(
        "slot_minutes = 30", "slot_minutes = 30\ncolour = 1"
    )
    problems = _problems(tmp_path, text)
    assert any(
        p.startswith("points/hoan-kiem.toml: point[hk-1].email: unknown key") for p in problems
    ), problems
    assert any(
        p.startswith("points/hoan-kiem.toml: point[hk-1].session[1].colour: unknown key")
        for p in problems
    ), problems


def test_session_ending_before_it_starts_is_refused(tmp_path):
    problems = _problems(tmp_path, GOOD_POINT.replace('end = "11:00"', 'end = "07:30"'))
    assert problems == [
        "points/hoan-kiem.toml: point[hk-1].session[1].end: must be after start 08:00; got 07:30"
    ]


def test_session_ending_when_it_starts_is_refused(tmp_path):
    problems = _problems(tmp_path, GOOD_POINT.replace('end = "11:00"', 'end = "08:00"'))
    assert len(problems) == 1 and "session[1].end: must be after start" in problems[0]


def test_slots_that_do_not_fill_the_session_are_refused(tmp_path):
    problems = _problems(tmp_path, GOOD_POINT.replace("slot_minutes = 30", "slot_minutes = 40"))
    assert problems == [
        "points/hoan-kiem.toml: point[hk-1].session[1].slot_minutes: 40 does "
        "not divide the session 08:00-11:00 (180 minutes) into whole slots"
    ]


def test_badly_written_time_is_refused(tmp_path):
    problems = _problems(tmp_path, GOOD_POINT.replace('start = "08:00"', 'start = "8h"'))
    assert problems == [
        "points/hoan-kiem.toml: point[hk-1].session[1].start: must be a time "
        "like \"08:00\"; got '8h'"
    ]


def test_more_priority_seats_than_seats_is_refused(tmp_path):
    problems = _problems(tmp_path, GOOD_POINT.replace("priority_seats = 2", "priority_seats = 5"))
    assert problems == [
        "points/hoan-kiem.toml: point[hk-1].session[1].priority_seats: 5 is "
        "more than seats_per_slot 4"
    ]


def test_unknown_unit_is_refused(tmp_path):
    problems = _problems(
        tmp_path,
        GOOD_POINT.replace('unit = "hoan-kiem"', 'unit = "atlantis"'),
        name="atlantis.toml",
    )
    assert problems[0].startswith("points/atlantis.toml: unit: unknown unit 'atlantis'")


def test_file_must_be_named_after_its_unit(tmp_path):
    problems = _problems(tmp_path, GOOD_POINT, name="old-quarter.toml")
    assert problems == [
        "points/old-quarter.toml: unit: the file must be named after its unit: hoan-kiem.toml"
    ]


def test_duplicate_point_ids_across_files_are_refused(tmp_path):
    other = GOOD_POINT.replace('unit = "hoan-kiem"', 'unit = "soc-son"').replace(
        "lat = 21.029", "lat = 21.25"
    )
    problems = check_points(
        _content(tmp_path, {"hoan-kiem.toml": GOOD_POINT, "soc-son.toml": other})
    )
    assert problems == [
        "points/soc-son.toml: point[hk-1].id: duplicate id hk-1 (first in points/hoan-kiem.toml)"
    ]


@pytest.mark.parametrize("bad_id", ["HK 1", "-hk", "hk_1", "a" * 25, "điểm"])
def test_point_id_must_fit_links_and_buttons(tmp_path, bad_id):
    problems = _problems(tmp_path, GOOD_POINT.replace('id = "hk-1"', f'id = "{bad_id}"'))
    assert len(problems) == 1
    assert ".id: must be 1-24 characters of a-z, 0-9 and '-'" in problems[0]


@pytest.mark.parametrize("key,value", [("lat", "10.77"), ("lon", "106.70"), ("lat", "48.85")])
def test_coordinates_outside_hanoi_are_refused(tmp_path, key, value):
    old = "lat = 21.029" if key == "lat" else "lon = 105.852"
    problems = _problems(tmp_path, GOOD_POINT.replace(old, f"{key} = {value}"))
    assert len(problems) == 1
    assert f"point[hk-1].{key}: must be from" in problems[0] and "(inside Hanoi)" in problems[0]


def test_missing_required_key_is_named(tmp_path):
    problems = _problems(
        tmp_path,
        GOOD_POINT.replace('address = "Trụ sở UBND phường Hoàn Kiếm (địa chỉ mẫu)"\n', ""),
    )
    assert problems == [
        "points/hoan-kiem.toml: point[hk-1].address: missing; must be text in quotes"
    ]


def test_unknown_weekday_is_refused(tmp_path):
    problems = _problems(tmp_path, GOOD_POINT.replace('["tue", "thu"]', '["tue", "thursday"]'))
    assert len(problems) == 1 and "session[1].weekdays: must be a list of days" in problems[0]


def test_overlapping_sessions_are_refused(tmp_path):
    text = GOOD_POINT + textwrap.dedent("""
        [[point.session]]
        weekdays = ["thu"]
        start = "10:00"
        end = "12:00"
        slot_minutes = 30
        seats_per_slot = 2
        priority_seats = 0
        """)
    assert _problems(tmp_path, text) == [
        "points/hoan-kiem.toml: point[hk-1].session[2]: overlaps session[1] on the same weekday"
    ]


def test_one_off_on_a_closed_date_is_refused(tmp_path):
    text = GOOD_POINT + textwrap.dedent("""
        [[point.one_off]]
        date = 2027-01-01
        start = "08:00"
        end = "10:00"
        slot_minutes = 30
        seats_per_slot = 2
        priority_seats = 0
        """)
    assert _problems(tmp_path, text) == [
        "points/hoan-kiem.toml: point[hk-1].one_off[1]: 2027-01-01 is also listed in closed"
    ]


def test_validity_ending_before_it_starts_is_refused(tmp_path):
    text = GOOD_POINT.replace(
        "priority_seats = 2",
        "priority_seats = 2\nvalid_from = 2027-02-01\nvalid_until = 2027-01-01",
    )
    assert _problems(tmp_path, text) == [
        "points/hoan-kiem.toml: point[hk-1].session[1].valid_until: 2027-01-01 is before "
        "valid_from 2027-02-01"
    ]


def test_units_file_problems_are_reported_too(tmp_path):
    units = UNITS.replace('kind = "xa"', 'kind = "quan"') + "extra = 1\n"
    problems = check_points(_content(tmp_path, {"hoan-kiem.toml": GOOD_POINT}, units=units))
    assert "places/units.toml: extra: unknown key (allowed: units)" in problems
    assert "places/units.toml: units[2].kind: must be phuong or xa; got 'quan'" in problems


def test_load_refuses_broken_content_listing_every_problem(tmp_path):
    text = GOOD_POINT.replace("priority_seats = 2", "priority_seats = 9").replace(
        'end = "11:00"', 'end = "07:00"'
    )
    with pytest.raises(ContentError) as caught:
        load_places(_content(tmp_path, {"hoan-kiem.toml": text}))
    assert len(caught.value.problems) == 2


def _with_access(text: str) -> str:
    return GOOD_POINT.replace("closed = [2027-01-01]\n", "closed = [2027-01-01]\n\n" + text)


def test_access_fields_load_and_a_left_out_one_is_unknown(tmp_path):
    _content(
        tmp_path,
        {"hoan-kiem.toml": _with_access("[point.access]\nstep_free = true\nfloor = 1\n")},
    )
    access = load_places(tmp_path).points["hk-1"].access
    assert access.step_free is True and access.floor == 1
    assert access.lift is None and access.hearing_loop is None and access.parking is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ('step_free = "yes"', "point[hk-1].access.step_free: must be true or false"),
        ("floor = 0", "point[hk-1].access.floor: must not be 0"),
        ("floor = 1.5", "point[hk-1].access.floor: must be a whole number"),
        ("ramp = true", "point[hk-1].access.ramp: unknown key"),
        (
            "step_free = true\nlift = false\nfloor = 3",
            "point[hk-1].access.step_free: cannot be true on floor 3 without a lift",
        ),
    ],
)
def test_bad_access_fields_are_named_where_they_are(tmp_path, text, expected):
    problems = _problems(tmp_path, _with_access(f"[point.access]\n{text}\n"))
    assert any(expected in p for p in problems), problems
