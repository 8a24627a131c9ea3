"""Failed login attempts, counted per client address: after `MAX_FAILURES` bad links within
`WINDOW` the address is refused for `LOCKOUT` (Glific's passwordless login uses the same
5 tries, then a wait). Held in the process: a restart forgets it, which costs an attacker
nothing against 256-bit tokens and spares officers a lockout that outlives the cause.

The client address is the connection's peer, unless that peer is one of `web.trusted_proxies`:
then X-Forwarded-For is read from the right (each proxy appends the address it saw), skipping
trusted proxies, and the first other address is the client's. With no trusted proxies the
header is never read, so a client cannot pick the address it is counted under.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_FAILURES = 5
WINDOW = timedelta(minutes=5)
LOCKOUT = timedelta(minutes=1)
MAX_ADDRESSES = 10_000  # a flood of addresses cannot grow this without bound


class Attempts:
    def __init__(self) -> None:
        self._failures: dict[str, deque[datetime]] = {}
        self._locked_until: dict[str, datetime] = {}

    def locked(self, address: str, now: datetime) -> bool:
        until = self._locked_until.get(address)
        if until is None:
            return False
        if now >= until:
            del self._locked_until[address]
            return False
        return True

    def failed(self, address: str, now: datetime) -> None:
        if len(self._failures) >= MAX_ADDRESSES and address not in self._failures:
            self._failures.pop(next(iter(self._failures)))
        times = self._failures.setdefault(address, deque())
        times.append(now)
        while times and now - times[0] > WINDOW:
            times.popleft()
        if len(times) >= MAX_FAILURES:
            self._locked_until[address] = now + LOCKOUT
            times.clear()

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)


def networks(texts: Iterable[str]) -> tuple[Network, ...]:
    """The trusted proxies of the config (checked there) as networks."""
    return tuple(ipaddress.ip_network(t.strip(), strict=False) for t in texts)


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in proxies)


def client_address(peer: str | None, forwarded: Sequence[str], proxies: Sequence[Network]) -> str:
    """Who a request is from: `peer` (the connection's address) unless it is a trusted proxy;
    then the right-most address of the X-Forwarded-For values `forwarded` that is not a
    trusted proxy (the left-most one when every hop is trusted). A malformed hop ends the
    walk at the last proxy that wrote a well-formed one: what a client wrote to the left is
    never believed."""
    if not peer:
        return "-"
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for value in forwarded for h in value.split(",") if h.strip()]
    client = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return client
        client = hop
        if not _trusted(hop, proxies):
            return hop
    return client
