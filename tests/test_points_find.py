"""Finding a ward or commune by what people type, and the nearest points to a location."""

from __future__ import annotations

import pytest

from bot.points.find import distance_km, find_units, nearest_points
from bot.points.loader import load_places
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def places():
    return load_places(ROOT / "content")


def _names(places, text):
    return [m.unit.name for m in find_units(places, text)]


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("hoan kiem", "Hoàn Kiếm"),
        ("Hoàn Kiếm", "Hoàn Kiếm"),
        ("HOAN KIEM", "Hoàn Kiếm"),
        ("cau giay", "Cầu Giấy"),
        ("Ha Dong", "Hà Đông"),
        ("phường hoàn kiếm", "Hoàn Kiếm"),
        ("p. Hoàn Kiếm", "Hoàn Kiếm"),
        ("xa soc son", "Sóc Sơn"),
        ("Xã Sóc Sơn, Hà Nội", "Sóc Sơn"),
        ("hoankiem", "Hoàn Kiếm"),
        ("van mieu quoc tu giam", "Văn Miếu - Quốc Tử Giám"),
    ],
)
def test_a_name_is_found_with_or_without_diacritics_and_prefixes(places, typed, expected):
    assert _names(places, typed) == [expected]


def test_decomposed_unicode_input_is_found(places):
    import unicodedata

    assert _names(places, unicodedata.normalize("NFD", "Đống Đa")) == ["Đống Đa"]


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("hoam kiem", "Hoàn Kiếm"),
        ("cau giy", "Cầu Giấy"),
        ("long bin", "Long Biên"),
        ("hoanf kieems", "Hoàn Kiếm"),  # Telex tone keys left in
        ("ddoongs ddaa", "Đống Đa"),
    ],
)
def test_small_typos_still_find_the_place_first(places, typed, expected):
    assert _names(places, typed)[0] == expected


def test_the_start_of_a_name_offers_every_place_it_could_be(places):
    assert set(_names(places, "son")) == {"Sơn Tây", "Sơn Đồng"}


def test_exact_match_is_not_mixed_with_near_ones(places):
    # "Ba Vì" is also close to "Ba Đình", but the user typed Ba Vì exactly.
    assert _names(places, "ba vi") == ["Ba Vì"]


@pytest.mark.parametrize("typed", ["", "p.", "x", "asdfgh", "thành phố hồ chí minh"])
def test_nonsense_finds_nothing(places, typed):
    assert _names(places, typed) == []


def test_distance_between_two_known_places_is_right():
    # Hoàn Kiếm lake to Sóc Sơn centre: about 25 km as the crow flies.
    assert distance_km(21.0287, 105.8524, 21.257, 105.848) == pytest.approx(25.4, abs=0.3)
    assert distance_km(21.0, 105.8, 21.0, 105.8) == 0


def test_nearest_points_are_the_three_closest_with_distances(places):
    found = nearest_points(places, 21.0287, 105.8524)  # by Hoàn Kiếm lake
    assert len(found) == 3
    assert [p.unit for p, _km in found[:2]] == ["hoan-kiem", "hoan-kiem"]
    distances = [km for _p, km in found]
    assert distances == sorted(distances) and distances[0] < 0.5


def test_nearest_from_the_far_north_is_soc_son(places):
    point, km = nearest_points(places, 21.30, 105.85)[0]
    assert point.unit == "soc-son" and 4 < km < 6
