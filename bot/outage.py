"""One line per outage, not one traceback per attempt.

A loop that retries something (polling, the outbox sweeper, the inbox keeper) reports each
failure to its `Outage`: the first is logged at once, in one line naming what failed and why;
while it goes on, one line a minute says how many attempts failed since; the first success
after it logs "recovered" once. A failure of a kind never seen (a bug rather than an outage)
is logged with its traceback, once.
"""

from __future__ import annotations

import logging
import time

from bot import logsafe

SUMMARY_EVERY = 60.0  # seconds


def describe(error: BaseException) -> str:
    """One line about an error: its type and first line, masked (a URL may hold the token)."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return logsafe.mask(f"{type(error).__name__}: {first}" if first else type(error).__name__)


class Outage:
    def __init__(self, what: str, logger: logging.Logger, *, every: float = SUMMARY_EVERY):
        self.what = what
        self.log = logger
        self.every = every
        self.failing_since: float | None = None
        self._failures = 0
        self._unreported = 0
        self._last_report = 0.0
        self._kinds_seen: set[type[BaseException]] = set()

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        self._failures += 1
        if self.failing_since is None:
            self.failing_since = now
            self._last_report = now
            self._unreported = 0
            new_kind = type(error) not in self._kinds_seen
            self._kinds_seen.add(type(error))
            self.log.error(
                "%s failed: %s (retrying; logged again once a minute while it lasts)",
                self.what,
                describe(error),
                exc_info=error if new_kind and not _is_outage(error) else None,
            )
            return
        self._unreported += 1
        if now - self._last_report >= self.every:
            self.log.error(
                "%s still failing: %d attempts in the last %.0f s, latest %s",
                self.what,
                self._unreported,
                now - self._last_report,
                describe(error),
            )
            self._last_report = now
            self._unreported = 0

    def succeeded(self) -> None:
        if self.failing_since is None:
            return
        lasted = time.monotonic() - self.failing_since
        self.log.warning(
            "%s recovered after %.0f s (%d failed attempts)", self.what, lasted, self._failures
        )
        self.failing_since = None
        self._failures = 0


def _is_outage(error: BaseException) -> bool:
    """Errors that mean "something we depend on is away", where a traceback says nothing."""
    if isinstance(error, OSError | TimeoutError | ConnectionError):
        return True
    module = type(error).__module__ or ""
    names = {c.__name__ for c in type(error).__mro__}
    return (
        "OperationalError" in names
        or "InterfaceError" in names
        or "NetworkError" in names
        or "TimedOut" in names
        or module.startswith("asyncpg")
    )
