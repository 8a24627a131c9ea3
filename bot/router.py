"""The router: one fixed dispatch order for every message, whatever the channel.

global commands → the handler of the user's current state → button payload → free text → menu.

A handler is `async def h(msg, ctx) -> list[Reply] | None`; returning None means "not mine"
and the next step of the order is tried. A button payload is acted on only when the bot
offered it to this user (it is in the state's `offered` list) or its handler is registered
as `always=True` (harmless navigation such as opening the menu).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.types import Incoming, Reply

if TYPE_CHECKING:
    from bot.ctx import Ctx, Menus

Handler = Callable[[Incoming, "Ctx"], Awaitable[list[Reply] | None]]


class RouteConflict(ValueError):
    """Two features claim the same command, state, payload prefix or special handler."""


_ROUTE_CACHE_SIZE = 10_000


@dataclass
class _PayloadRoute:
    prefix: str
    handler: Handler
    always: bool


@dataclass
class Router:
    commands: dict[str, Handler] = field(default_factory=dict)
    states: dict[str, Handler] = field(default_factory=dict)
    payloads: list[_PayloadRoute] = field(default_factory=list)
    text_handlers: list[Handler] = field(default_factory=list)
    fallback: Handler | None = None
    # Called when a pressed button was never offered, or is stale.
    refused: Handler | None = None
    # Called for a message longer than `bot.max_text_chars`: refused kindly, unprocessed.
    too_long: Handler | None = None
    # Called for something the bot cannot read (`Incoming.unreadable`: a picture, a sticker,
    # a voice message): says what it reads instead.
    unreadable: Handler | None = None
    # Called for a picture (`Incoming.photo`) no state handler took; when it returns None (or
    # there is none), the picture is answered as `unreadable`.
    photo: Handler | None = None
    # Builds the apology + menu shown when a handler fails (no database, no state).
    apology: Callable[[Menus], list[Reply]] | None = None
    # payload → its route: every reply's buttons are looked up after each message.
    _route_of: dict[str, _PayloadRoute | None] = field(default_factory=dict, repr=False)

    def command(self, name: str, handler: Handler) -> None:
        name = name if name.startswith("/") else "/" + name
        if name in self.commands:
            raise RouteConflict(f"command {name} is registered twice")
        self.commands[name] = handler

    def state(self, prefix: str, handler: Handler) -> None:
        """Handle every message while the user's state is `prefix` or `prefix.<step>`."""
        if prefix in self.states:
            raise RouteConflict(f"state {prefix!r} is registered twice")
        self.states[prefix] = handler

    def payload(self, prefix: str, handler: Handler, *, always: bool = False) -> None:
        if any(r.prefix == prefix for r in self.payloads):
            raise RouteConflict(f"payload prefix {prefix!r} is registered twice")
        self.payloads.append(_PayloadRoute(prefix, handler, always))
        # Longest prefix first, so "g:open" wins over "g:".
        self.payloads.sort(key=lambda r: -len(r.prefix))
        self._route_of.clear()

    def text(self, handler: Handler) -> None:
        self.text_handlers.append(handler)

    def include(self, other: Router, name: str = "a feature") -> None:
        """Join a feature's router into this one (its free-text handlers come after ours).

        Two features claiming the same command, state or payload prefix, or both setting the
        fallback, is a wiring mistake: raised here at start, never settled silently."""
        for command, h in other.commands.items():
            if command in self.commands:
                raise RouteConflict(f"{name}: command {command} is already handled")
            self.commands[command] = h
        for state, h in other.states.items():
            if state in self.states:
                raise RouteConflict(f"{name}: state {state!r} is already handled")
            self.states[state] = h
        taken = {r.prefix for r in self.payloads}
        for route in other.payloads:
            if route.prefix in taken:
                raise RouteConflict(f"{name}: payload prefix {route.prefix!r} is already handled")
            self.payload(route.prefix, route.handler, always=route.always)
        self.text_handlers.extend(other.text_handlers)
        for slot in ("fallback", "refused", "too_long", "unreadable", "photo", "apology"):
            theirs = getattr(other, slot)
            if theirs is None:
                continue
            if getattr(self, slot) is not None:
                raise RouteConflict(f"{name}: the {slot} handler is already set")
            setattr(self, slot, theirs)

    def is_always(self, payload: str) -> bool:
        route = self._payload_route(payload)
        return route is not None and route.always

    def _state_handler(self, name: str) -> Handler | None:
        while name:
            if name in self.states:
                return self.states[name]
            name = name.rpartition(".")[0]
        return None

    def _payload_route(self, payload: str) -> _PayloadRoute | None:
        try:
            return self._route_of[payload]
        except KeyError:
            pass
        found = next((r for r in self.payloads if payload.startswith(r.prefix)), None)
        if len(self._route_of) >= _ROUTE_CACHE_SIZE:
            self._route_of.clear()  # payloads carry ids; keep the memory bounded
        self._route_of[payload] = found
        return found

    async def _refuse(self, msg: Incoming, ctx: Ctx) -> list[Reply]:
        handler = self.refused or self.fallback
        assert handler is not None, "the router needs a fallback (the menu)"
        return await handler(msg, ctx) or []

    async def dispatch(self, msg: Incoming, ctx: Ctx) -> list[Reply]:
        if msg.payload is not None and msg.payload not in ctx.state.offered:
            route = self._payload_route(msg.payload)
            if not (route and route.always):
                # Forged, or from an old message: never act on it.
                return await self._refuse(msg, ctx)

        command = msg.command
        if command and command in self.commands:
            replies = await self.commands[command](msg, ctx)
            if replies is not None:
                return replies

        state_handler = self._state_handler(ctx.state.name)
        if state_handler is not None:
            replies = await state_handler(msg, ctx)
            if replies is not None:
                return replies

        if msg.photo is not None and msg.payload is None:
            if self.photo is not None:
                replies = await self.photo(msg, ctx)
                if replies is not None:
                    return replies
            if self.unreadable is not None:
                return await self.unreadable(msg, ctx) or []

        if msg.unreadable and self.unreadable is not None:
            # After the state's handler, so a dialog that can say something better about a
            # picture (e.g. "describe it in words" while a question is being written) does.
            return await self.unreadable(msg, ctx) or []

        if msg.payload is not None:
            route = self._payload_route(msg.payload)
            if route is not None:
                replies = await route.handler(msg, ctx)
                if replies is not None:
                    return replies
            return await self._refuse(msg, ctx)

        if msg.text and not command:
            for handler in self.text_handlers:
                replies = await handler(msg, ctx)
                if replies is not None:
                    return replies

        assert self.fallback is not None, "the router needs a fallback (the menu)"
        return await self.fallback(msg, ctx) or []
