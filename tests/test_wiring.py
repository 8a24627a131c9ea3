"""The wiring: features join the router without silently overriding each other, and the menu
table (handlers.MENUS) names only what is built."""

from __future__ import annotations

import pytest

import handlers
from bot.ctx import MenuEntry, Menus
from bot.router import RouteConflict, Router
from bot.types import Incoming, Reply


async def _one(msg: Incoming, ctx) -> list[Reply]:
    return [Reply(text="one")]


async def _two(msg: Incoming, ctx) -> list[Reply]:
    return [Reply(text="two")]


def _feature(**routes) -> Router:
    r = Router()
    for name in routes.get("commands", ()):
        r.command(name, _two)
    for name in routes.get("states", ()):
        r.state(name, _two)
    for prefix in routes.get("payloads", ()):
        r.payload(prefix, _two)
    r.fallback = routes.get("fallback")
    return r


def _main() -> Router:
    r = Router()
    r.include(_feature(commands=["start"], states=["booking"], payloads=["bk:"]), "first")
    return r


@pytest.mark.parametrize(
    ("routes", "said"),
    [
        ({"commands": ["/start"]}, "command /start"),
        ({"states": ["booking"]}, "state 'booking'"),
        ({"payloads": ["bk:"]}, "payload prefix 'bk:'"),
    ],
)
def test_a_second_feature_claiming_a_route_stops_the_start(routes, said):
    main = _main()
    with pytest.raises(RouteConflict, match=said) as e:
        main.include(_feature(**routes), "second")
    assert "second" in str(e.value)


def test_two_fallbacks_conflict_but_distinct_routes_join():
    main = _main()
    main.fallback = _one
    main.include(_feature(commands=["menu"], states=["booking.x"], payloads=["bk:x:"]), "ok")
    assert set(main.commands) == {"/start", "/menu"}
    assert [r.prefix for r in main.payloads] == ["bk:x:", "bk:"]  # longest first
    with pytest.raises(RouteConflict, match="fallback"):
        main.include(_feature(fallback=_two), "another menu")


def test_one_feature_registering_a_route_twice_is_refused():
    r = Router()
    r.payload("g:", _one)
    with pytest.raises(RouteConflict):
        r.payload("g:", _two)
    r.command("help", _one)
    with pytest.raises(RouteConflict):
        r.command("/help", _two)


def test_the_menu_table_refuses_an_entry_listed_twice():
    entry = MenuEntry("help", "Help", "Help.")
    with pytest.raises(ValueError, match="help"):
        Menus(main=(entry, entry))


def test_the_features_join_without_conflict_and_every_menu_entry_has_a_route():
    router = handlers.build_router()
    menus = handlers.MENUS
    for entry in (*menus.main, *menus.settings, *menus.officer):
        route = router._payload_route(entry.payload)
        assert route is not None and route.always, entry.payload
    assert menus.book_at is not None and menus.guide_end and menus.resume
