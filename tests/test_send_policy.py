"""The outbox asks the recipient's channel before sending (its send policy): a refused row is
kept as undeliverable with the policy's reason, a "not now" row waits, and the officer's
broadcast report counts the undeliverable by reason. Telegram's policy is "always"."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pytest

from bot import app
from bot.channels.policy import ALWAYS, OUTSIDE_WINDOW, Decision, How, Recipient
from bot.channels.profiles import profile
from bot.core import Core
from bot.outbox import runtime
from bot.outbox.sweeper import sweep_once
from tests.broadcast_flow import HOAN_KIEM, OFFICERS, compose, outbox, subscribed, telegram
from tests.outbox_helpers import add_user, attach, queue, rows

pytestmark = pytest.mark.both_databases
WINDOW = timedelta(days=7)


@dataclass
class WindowPolicy:
    """Like a reply window: people who wrote within WINDOW get messages; "night" rows wait."""

    needs_history = True
    asked: list[tuple[Recipient, str]] = field(default_factory=list)
    wait_until: datetime | None = None

    async def decide(self, recipient: Recipient, kind: str, now: datetime, db) -> Decision:
        self.asked.append((recipient, kind))
        if self.wait_until is not None and now < self.wait_until:
            return Decision(None, retry_at=self.wait_until)
        seen = recipient.last_seen_at
        if seen is not None and now - seen <= WINDOW:
            return Decision(How.PROACTIVE)
        return Decision(None, OUTSIDE_WINDOW)


def _use(core: Core, channel: str, policy) -> None:
    core.profiles[channel] = replace(core.profile(channel), policy=policy)


async def test_a_refused_row_is_undeliverable_with_the_reason_and_nothing_is_sent(core, clock):
    channel = attach(core, clock)
    policy = WindowPolicy()
    _use(core, "test", policy)
    recent = await add_user(core, "recent")
    old = await add_user(core, "old", seen=clock.now() - timedelta(days=30))
    sent_id = await queue(core, "recent", "reminder", user_id=recent, kind="reminder")
    refused_id = await queue(core, "old", "reminder", user_id=old, kind="reminder")

    result = await sweep_once(core)

    assert [chat for chat, _t, _at in channel.sent] == ["recent"]
    found = await rows(core)
    assert found[sent_id].status == "sent"
    assert found[refused_id].status == "undeliverable"
    assert found[refused_id].last_error == "outside the reply window"
    assert result.undeliverable == 1 and result.sent == 1
    assert {(r.chat_id, kind) for r, kind in policy.asked} == {
        ("recent", "reminder"),
        ("old", "reminder"),
    }


async def test_not_now_puts_the_row_back_until_the_policy_allows_it(core, clock):
    channel = attach(core, clock)
    policy = WindowPolicy(wait_until=clock.now() + timedelta(hours=8))
    _use(core, "test", policy)
    uid = await add_user(core, "night")
    row_id = await queue(core, "night", user_id=uid)

    await sweep_once(core)
    row = (await rows(core))[row_id]
    assert row.status == "pending" and channel.sent == []
    assert row.due_at >= policy.wait_until.replace(tzinfo=row.due_at.tzinfo)

    clock.advance(hours=8)
    await sweep_once(core)
    assert (await rows(core))[row_id].status == "sent"


async def test_telegram_always_sends_and_brings_its_rates_from_its_own_table(config):
    tg = profile(config, "telegram")
    assert tg.policy is ALWAYS
    decision = await tg.policy.decide(
        Recipient("telegram", "1"), "broadcast", datetime.now(), None
    )
    assert decision.allowed and decision.how is How.FREE
    assert (tg.per_second, tg.per_chat_per_second) == (
        config.channels.telegram.per_second,
        config.channels.telegram.per_chat_per_second,
    )


@pytest.fixture
async def officers_core(config, clock):
    core = await app.start(config.replace(**OFFICERS), clock=clock)
    try:
        yield core
    finally:
        await core.close()


async def test_the_broadcast_report_counts_the_undeliverable_by_reason(officers_core, clock):
    core = officers_core
    for n in range(3):
        await subscribed(core, f"c{n}", "hoan-kiem")
    officer = telegram(core, HOAN_KIEM)
    await compose(officer, "Thông báo: lịch hỗ trợ thay đổi.")
    await officer.press("Subscribers of Hoàn Kiếm ward")
    await officer.press("Send to 3 people")
    channel = attach(core, clock, "telegram")
    clock.advance(days=10)  # nobody wrote for ten days
    await officer.say("/menu")  # … except the officer, whose report must reach them
    policy = WindowPolicy()
    _use(core, "telegram", policy)

    await sweep_once(core)
    assert {r.status for r in await outbox(core)} == {"undeliverable"}
    reports: list[str] = []
    for _ in range(3):  # a progress message may come first (the senders run concurrently)
        await runtime.outbox(core).run_periodic()
        await sweep_once(core)
        reports = [t for chat, t, _at in channel.sent if "is finished" in t]
        if reports:
            break
    assert len(reports) == 1
    assert {chat for chat, _t, _at in channel.sent} == {HOAN_KIEM}
    report = reports[0]
    assert "Delivered: 0" in report
    assert "Not allowed by the messenger (outside the reply window): 3" in report
    assert "turned news off" not in report, "refused rows are not counted as news off"


class TemplatePolicy:
    needs_history = False

    async def decide(self, recipient: Recipient, kind: str, now: datetime, db) -> Decision:
        return Decision(How.TEMPLATE, template_id=f"tpl-{kind}", phone="84912345678")


async def test_a_channel_that_takes_the_decision_is_told_how_to_send(core, clock):
    channel = attach(core, clock)
    told: list[tuple[str, Decision]] = []

    async def send_as(chat_id: str, replies, decision: Decision) -> None:
        told.append((chat_id, decision))
        await channel.send(chat_id, replies)

    channel.send_as = send_as  # type: ignore[attr-defined]
    _use(core, "test", TemplatePolicy())
    uid = await add_user(core, "by-phone")
    row_id = await queue(core, "by-phone", user_id=uid, kind="reminder")
    await sweep_once(core)
    assert (await rows(core))[row_id].status == "sent"
    assert told == [
        ("by-phone", Decision(How.TEMPLATE, template_id="tpl-reminder", phone="84912345678"))
    ]


async def test_every_recipient_is_judged_on_their_own_history_when_senders_run_at_once(
    core, clock
):
    # Several senders load people's last messages at the same time (PostgreSQL runs their
    # transactions side by side): none may judge a row on another sender's partial load.
    channel = attach(core, clock)
    _use(core, "test", WindowPolicy())
    expected = set()
    for n in range(12):
        recent = n % 2 == 0
        seen = clock.now() - (timedelta(hours=1) if recent else timedelta(days=30))
        uid = await add_user(core, f"p{n}", seen=seen)
        await queue(core, f"p{n}", user_id=uid, kind="reminder")
        if recent:
            expected.add(f"p{n}")
    while (await sweep_once(core)).claimed:
        pass
    assert {chat for chat, _t, _at in channel.sent} == expected
    statuses = {r.chat_id: r.status for r in (await rows(core)).values()}
    assert {c for c, s in statuses.items() if s == "undeliverable"} == {
        f"p{n}" for n in range(12)
    } - expected
