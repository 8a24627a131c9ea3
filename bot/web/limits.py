"""Failed login attempts, counted per client address: after `MAX_FAILURES` bad links within
`WINDOW` the address is refused for `LOCKOUT` (Glific's passwordless login uses the same
5 tries, then a wait). Held in the process: a restart forgets it, which costs an attacker
nothing against 256-bit tokens and spares officers a lockout that outlives the cause.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

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
