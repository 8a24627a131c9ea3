"""The running bot's content: the current `Catalogue` in `core.services["catalogue"]`, swapped
whole on reload; the store itself is `core.services["content"]`.

A reload reads and checks the folder away from the event loop, builds the services derived
from the catalogue (the search index) and then swaps catalogue and derived services in one
step. A broken edit is refused whole: the last good content stays, and every problem is
logged. The lock is not enforced here (CI does that); its problems are logged as warnings.

Features that keep something built from the catalogue register it once in their setup:

    content_store(core).derive("search", SearchIndex)   # SearchIndex(catalogue), now and
                                                          # after every successful reload
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.content.guides import Problem
from bot.content.loader import load_catalogue
from bot.content.lock import lock_problems
from bot.content.model import Catalogue
from bot.errors import ContentError

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

Builder = Callable[[Catalogue], Any]

# Services built from equal catalogues by the same pure builder are shared (several bots in
# one process, tests): the search index takes most of a start. Bounded, newest kept.
_MEMO: dict[tuple[Builder, int], Any] = {}
_MEMO_SIZE = 4


def _build(build: Builder, catalogue: Catalogue, memo: bool) -> Any:
    if not memo:
        return build(catalogue)
    key = (build, hash(repr(catalogue)))
    if key not in _MEMO:
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = build(catalogue)
    return _MEMO[key]


@dataclass
class ReloadResult:
    ok: bool
    problems: list[Problem] = field(default_factory=list)  # errors (if not ok) and warnings
    changes: list[str] = field(default_factory=list)  # what the features did with it


# Run after a successful swap with the services as they were before it; returns lines saying
# what changed (e.g. the booking feature opening a new point's sessions).
AfterReload = Callable[[Mapping[str, Any]], Awaitable[list[str]]]


class ContentStore:
    def __init__(
        self,
        content_dir: Path,
        services: MutableMapping[str, Any],
        today: Callable[[], date] | None = None,
        checked_max_age_days: int = 180,
    ):
        self.content_dir = content_dir
        self.services = services
        self.today = today
        self.checked_max_age_days = checked_max_age_days
        self.reloads = 0  # successful swaps after the first load
        self.signal_installed = False  # SIGHUP reloads (set by the feature's setup)
        self._builders: dict[str, tuple[Builder, bool]] = {}
        self._after: list[AfterReload] = []
        self._lock = asyncio.Lock()
        self._reloaded = asyncio.Event()

    @property
    def catalogue(self) -> Catalogue:
        return self.services["catalogue"]

    def load(self) -> None:
        """The first load, at start: broken content stops the start with every problem."""
        catalogue, problems = self._prepare()
        if catalogue is None:
            raise ContentError(
                [p.format(self.content_dir.parent) for p in problems if not p.warning]
            )
        self._swap(catalogue, {})

    def derive(self, name: str, build: Builder, *, pure: bool = False) -> Any:
        """Keep `services[name] = build(catalogue)` for the current and every next catalogue.
        `pure`: the result depends on the catalogue alone and is never changed, so equal
        catalogues may share it."""
        self._builders[name] = (build, pure)
        self.services[name] = _build(build, self.catalogue, pure)
        return self.services[name]

    def after_reload(self, hook: AfterReload) -> None:
        """Run `hook(services before the swap)` after every successful reload."""
        self._after.append(hook)

    async def reload(self) -> ReloadResult:
        """Swap in the folder's content if it is sound; otherwise keep the last good."""
        async with self._lock:
            try:
                catalogue, problems, derived = await asyncio.to_thread(self._prepare_all)
            except ContentError as e:  # a derived service's own files (the points) are broken
                problems = [Problem(None, None, text) for text in e.problems]
                for p in problems:
                    log.error("content reload refused: %s", p.message)
                log.error("content reload refused; kept the last good content")
                return ReloadResult(False, problems)
            except Exception:
                log.exception("content reload failed while building; kept the last good content")
                return ReloadResult(False, [])
            if catalogue is None:
                for p in problems:
                    log.error("content reload refused: %s", p.format(self.content_dir.parent))
                log.error(
                    "content reload refused: %d problem(s); kept the last good content",
                    sum(not p.warning for p in problems),
                )
                return ReloadResult(False, problems)
            before = dict(self.services)
            self._swap(catalogue, derived)
            self.reloads += 1
            changes = [f"guides: {len(catalogue.guides)} files"]
            for hook in self._after:
                try:
                    changes += await hook(before)
                except Exception:
                    log.exception("content reloaded, but a feature failed to follow it")
                    changes.append("a feature failed to follow the new content (see the log)")
            self._reloaded.set()
            self._reloaded = asyncio.Event()
            log.info("content reloaded: %s", "; ".join(changes))
            return ReloadResult(True, problems, changes)

    def next_reload(self) -> asyncio.Event:
        """An event set by the next successful reload (for whoever sends a SIGHUP)."""
        return self._reloaded

    def _prepare(self) -> tuple[Catalogue | None, list[Problem]]:
        today = self.today() if self.today else None
        loaded = load_catalogue(
            self.content_dir, today=today, checked_max_age_days=self.checked_max_age_days
        )
        for p in loaded.warnings:
            log.warning("content: %s", p.format(self.content_dir.parent))
        if loaded.catalogue is not None:
            for p in lock_problems(loaded):
                log.warning("content lock: %s", p.format(self.content_dir.parent))
        return loaded.catalogue, loaded.problems

    def _prepare_all(self) -> tuple[Catalogue | None, list[Problem], dict[str, Any]]:
        catalogue, problems = self._prepare()
        if catalogue is None:
            return None, problems, {}
        derived = {
            name: _build(build, catalogue, pure) for name, (build, pure) in self._builders.items()
        }
        return catalogue, problems, derived

    def _swap(self, catalogue: Catalogue, derived: dict[str, Any]) -> None:
        # One update between two awaits: a message sees either all old or all new.
        self.services.update({"catalogue": catalogue, **derived})


def content_store(core: Core) -> ContentStore:
    return core.services["content"]
