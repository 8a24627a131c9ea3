"""The mixed workload: simulated citizens and officers, each following a script drawn from a
fixed seed, talking to the bot through the fake Bot API server (bench/fake_api.py).

A citizen's script, in an order drawn from the seed: open a guide from the menu and press Next
through it; type a free-text question (from the evaluation *dev* set only,
tests/data/eval_dev.tsv — never the frozen test split); walk the booking dialog to a confirmed
booking and open "My bookings". An officer opens today's list of visitors of a support point
of their unit (/officer → "Today and tomorrow" → a point), several times.

Scripts are made in the bot's benchmark process (`scripts`), sent to the fake server as JSON
(`/_fake/mix`), and played there (`Mix`): a citizen acts only when the bot has answered its
previous step, as a person would — pressing a button of the message that offered it (the
callback names that message), or typing. Each step says which button the answer must offer
(`until`), so an answer sent as several messages is complete when its last part arrives; a
document or a venue (after a booking) never completes a step.

Two ways to feed: all at once (rate 0: every citizen acts as soon as answered, so about a
thousand updates are waiting at any moment), or at a steady rate (the pacer hands the next
step of the citizen who has waited longest, `rate` times a second).

Latency, per kind of exchange: from the moment the update can be fetched to the moment the
answer that completes it arrives, on the fake server's one clock.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEV_QUESTIONS = ROOT / "tests" / "data" / "eval_dev.tsv"  # the dev split, never the test split
MAX_NEXT = 20  # a guide longer than this is left half read
FIRST_CITIZEN = 100_000
FIRST_OFFICER = 900_000
NAMES = ("Nguyễn Thị Lan", "Trần Văn Hùng", "Lê Thị Mai", "Phạm Văn Nam", "Đỗ Thị Hoa")
KINDS = ("menu", "guide", "question", "booking", "confirm", "my bookings", "officer list")

# A step: [kind, action, argument, pick, until]. action "text": type `argument`; "press":
# press the `pick`-th (modulo) button offered whose data starts with `argument`; "next":
# press the button starting with `argument` again and again while the answer offers one.
# `until`: the prefix of a button the answer must offer to be complete (None: any text).
Step = list[Any]


def dev_questions() -> list[str]:
    questions = []
    for line in DEV_QUESTIONS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) >= 4 and parts[3].strip():
            questions.append(parts[3].strip())
    if not questions:
        raise SystemExit(f"bench: no questions in {DEV_QUESTIONS}")
    return questions


def _guide(rng: random.Random) -> list[Step]:
    return [
        ["menu", "text", "/menu", 0, "g:m"],
        ["guide", "press", "g:m", 0, "g:c:"],
        ["guide", "press", "g:c:", rng.randrange(100), "g:o:"],
        ["guide", "press", "g:o:", rng.randrange(100), "g:s:"],
        ["guide", "press", "g:s:", 0, "g:n:"],
        ["guide", "next", "g:n:", 0, None],
    ]


def _booking(rng: random.Random, wards: list[str]) -> list[Step]:
    phone = "09" + "".join(str(rng.randrange(10)) for _ in range(8))
    return [
        ["menu", "text", "/menu", 0, "book"],
        ["booking", "press", "book", 0, "bk:me"],
        ["booking", "press", "bk:me", 0, "bk:back"],
        ["booking", "text", rng.choice(wards), 0, "bk:p:"],
        ["booking", "press", "bk:p:", rng.randrange(2), "bk:d:"],
        ["booking", "press", "bk:d:", rng.randrange(3), "bk:s:"],
        ["booking", "press", "bk:s:", rng.randrange(6), "bk:back"],
        ["booking", "text", rng.choice(NAMES), 0, "bk:back"],
        ["booking", "text", f"{phone[:4]} {phone[4:7]} {phone[7:]}", 0, "bk:h:"],
        ["booking", "press", "bk:h:", rng.randrange(4), "bk:none"],
        ["booking", "press", "bk:none", 0, "bk:none"],
        ["booking", "press", "bk:none", 0, "bk:agree"],
        ["booking", "press", "bk:agree", 0, "bk:confirm"],
        ["confirm", "press", "bk:confirm", 0, "mybk"],
        ["my bookings", "press", "mybk", 0, "mb:show:"],
    ]


def scripts(
    citizens: int, officers: int, wards: list[str], seed: int = 15, officer_visits: int = 5
) -> dict[str, list[Step]]:
    """chat id → script, the same for the same arguments."""
    rng = random.Random(seed)
    questions = dev_questions()
    out: dict[str, list[Step]] = {}
    for n in range(citizens):
        parts = [_guide(rng), [["question", "text", rng.choice(questions), 0, None]]]
        parts.append(_booking(rng, wards))
        rng.shuffle(parts)
        out[str(FIRST_CITIZEN + n)] = [step for part in parts for step in part]
    for n in range(officers):
        visit = [
            ["menu", "text", "/officer", 0, "ofc:day"],
            ["menu", "press", "ofc:day", 0, "ofc:dl:"],
            ["officer list", "press", "ofc:dl:", rng.randrange(2), "ofc:dc:"],
        ]
        out[str(FIRST_OFFICER + n)] = visit * officer_visits
    return out


# ---- played inside the fake server ----------------------------------------------------------


@dataclass(slots=True)
class Person:
    chat_id: int
    steps: list[Step]
    pos: int = 0
    nexts: int = 0
    offered: list[tuple[str, int]] | None = None  # (data, message id) of the last answer
    fresh: list[tuple[str, int]] | None = None  # offered since the step was sent
    sent_at: float = 0.0  # 0: not waiting for an answer
    next_message_id: int = 1

    @property
    def done(self) -> bool:
        return self.pos >= len(self.steps)


class Mix:
    """Plays the scripts against the bot; `api` is the fake server's state (push, clock)."""

    def __init__(self, api: Any, spec: dict[str, Any]):
        self.api = api
        self.rate = float(spec.get("rate", 0))
        self.limit = int(spec.get("count", 0))  # stop after this many updates (0: all)
        self.people = {
            int(chat): Person(int(chat), steps) for chat, steps in spec["scripts"].items()
        }
        self.ready: deque[Person] = deque(self.people.values())
        self.latencies: dict[str, list[float]] = {k: [] for k in KINDS}
        self.sent = 0
        self.answered = 0
        self.failed: list[str] = []
        self.first_sent: float | None = None
        self.last_answer: float | None = None
        self.wakeup: asyncio.Event = asyncio.Event()
        self.task: asyncio.Task | None = None

    def start(self) -> None:
        self.task = asyncio.ensure_future(self._pace() if self.rate > 0 else self._flood())

    async def _flood(self) -> None:
        while self.ready and not self._enough():
            self._act(self.ready.popleft())

    async def _pace(self) -> None:
        start = time.monotonic()
        n = 0
        while not self._enough():
            delay = start + n / self.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            n += 1
            if self.ready:
                self._act(self.ready.popleft())
            elif all(p.done for p in self.people.values()):
                return

    def _enough(self) -> bool:
        return bool(self.limit) and self.sent >= self.limit

    def _act(self, person: Person) -> None:
        while not person.done:
            kind, action, arg, pick, _until = person.steps[person.pos]
            if action == "text":
                self.api.push_update(person.chat_id, text=arg, language="vi")
            else:
                chosen = [(d, m) for d, m in person.offered or () if d.startswith(arg)]
                if not chosen:
                    if action == "next":  # the guide has ended: on to the next step
                        person.pos += 1
                        person.nexts = 0
                        continue
                    self.failed.append(f"{person.chat_id}: no {arg!r} button to press")
                    person.pos = len(person.steps)
                    return
                data, message_id = chosen[pick % len(chosen)]
                self.api.push_update(person.chat_id, data=data, message_id=message_id)
            now = time.monotonic()
            person.sent_at = now
            person.fresh = []
            self.sent += 1
            if self.first_sent is None:
                self.first_sent = now
            return

    def answer(self, chat_id: int, message_id: int, has_text: bool, data: list[str]) -> bool:
        """The bot sent or edited a message in `chat_id`; False when it is no person's."""
        person = self.people.get(chat_id)
        if person is None:
            return False
        if not person.sent_at or person.done:
            return True
        assert person.fresh is not None
        person.fresh.extend((d, message_id) for d in data)
        kind, action, arg, _pick, until = person.steps[person.pos]
        if not has_text or (until and not any(d.startswith(until) for d, _ in person.fresh)):
            return True
        now = time.monotonic()
        self.latencies[kind].append(now - person.sent_at)
        self.answered += 1
        self.last_answer = now
        person.sent_at = 0.0
        person.offered = person.fresh
        if action == "next" and person.nexts < MAX_NEXT:
            person.nexts += 1  # the same step again: press Next while there is one
        else:
            person.pos += 1
            person.nexts = 0
        if not person.done and not self._enough():
            if self.rate > 0:
                self.ready.append(person)
            else:
                self._act(person)
        self.wakeup.set()
        return True

    def finished(self) -> bool:
        if self.limit:
            return self.sent >= self.limit and not any(p.sent_at for p in self.people.values())
        return all(p.done for p in self.people.values())

    def report(self, server_cpu: float) -> dict[str, Any]:
        waiting = [p for p in self.people.values() if p.sent_at]
        span = (self.last_answer or 0) - (self.first_sent or 0) if self.answered else 0
        return {
            "updates": self.sent,
            "replies": self.answered,
            "span": span,
            "kinds": self.latencies,
            "failed": self.failed[:20],
            "unanswered": len(waiting),
            "stuck_at": [p.steps[p.pos][:3] for p in waiting[:5]],
            "server_cpu": server_cpu,
        }
