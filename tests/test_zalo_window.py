"""The Zalo reply window, the night ban and the ZNS fallback, as one pure decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.channels.zalo.settings import ZaloSettings
from bot.channels.zalo.window import Limits, Route, decide, night_ends

NOON = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)  # 12:00 in Hanoi
LIMITS = Limits.of(ZaloSettings())
TEMPLATES = {"reminder": "tpl-reminder"}


def _decide(**kw):
    args = dict(
        now=NOON,
        limits=LIMITS,
        is_reply=False,
        last_interaction=NOON - timedelta(hours=1),
        sent_since=0,
        kind="reminder",
        templates=TEMPLATES,
        phone=None,
        consent=False,
    )
    args.update(kw)
    return decide(**args)


def test_a_reply_to_what_the_user_just_wrote_is_always_allowed():
    assert _decide(is_reply=True, last_interaction=None).route is Route.REPLY


def test_free_inside_48_hours_and_8_messages_then_counted_until_7_days():
    assert _decide().route is Route.FREE
    assert _decide(sent_since=8).route is Route.COUNTED
    assert _decide(last_interaction=NOON - timedelta(hours=49)).route is Route.COUNTED
    assert _decide(last_interaction=NOON - timedelta(days=7)).route is Route.COUNTED


def test_after_7_days_a_template_by_phone_with_consent_or_nothing():
    old = NOON - timedelta(days=7, seconds=1)
    d = _decide(last_interaction=old, phone="+84912345678", consent=True)
    assert (d.route, d.template_id) == (Route.TEMPLATE, "tpl-reminder")
    assert _decide(last_interaction=old, phone="+84912345678").reason == (
        "outside_window_no_consent"
    )
    assert _decide(last_interaction=old, consent=True).reason == "outside_window_no_phone"
    d = _decide(last_interaction=old, kind="broadcast", phone="+84912345678", consent=True)
    assert (d.route, d.reason) == (Route.UNDELIVERABLE, "outside_window")
    assert not d.may_send
    assert _decide(last_interaction=None).route is Route.UNDELIVERABLE


def test_an_unfollowed_user_is_reached_only_by_template():
    assert _decide(following=False).reason == "unfollowed"
    d = _decide(following=False, phone="+84912345678", consent=True)
    assert d.route is Route.TEMPLATE


@pytest.mark.parametrize(
    ("hanoi_hour", "held"), [(21, False), (22, True), (23, True), (2, True), (5, True), (6, False)]
)
def test_no_proactive_sends_from_22_to_6_hanoi_time(hanoi_hour, held):
    now = datetime(2026, 12, 1, (hanoi_hour - 7) % 24, 30, tzinfo=UTC)
    d = _decide(now=now, last_interaction=now - timedelta(hours=1))
    assert (d.route is Route.HOLD) == held
    if held:
        assert d.hold_until.astimezone(LIMITS.tz).hour == 6
        assert d.hold_until > now and d.hold_until - now < timedelta(hours=8)
        # A direct answer to someone writing at night still goes (configurable).
        assert _decide(now=now, is_reply=True).route is Route.REPLY


def test_every_number_is_a_setting():
    limits = Limits.of(
        ZaloSettings(free_window_hours=24, free_messages=2, window_days=3, quiet_start=NOON.time())
    )
    assert _decide(limits=limits, sent_since=2).route is Route.COUNTED
    assert _decide(limits=limits, last_interaction=NOON - timedelta(days=4)).route is (
        Route.UNDELIVERABLE
    )
    same = Limits.of(ZaloSettings(quiet_start=NOON.time(), quiet_end=NOON.time()))
    assert night_ends(NOON, same) is None


def test_capabilities_leave_room_for_every_payload_the_core_makes():
    from bot.channels.zalo.capabilities import capabilities

    caps = capabilities(ZaloSettings())
    assert caps.max_buttons == 5 and caps.max_label == 20 and caps.max_buttons_per_row == 1
    assert caps.max_payload_bytes == 97  # 100 characters less the "#b:" prefix
    assert capabilities(ZaloSettings(max_payload_chars=40)).max_payload_bytes == 37
    assert caps.presses_as_text and not caps.edit and not caps.request_location


def test_the_booking_is_told_what_the_policy_will_do_with_its_reminders():
    from bot.booking.phone import masked_phone
    from bot.channels.zalo.policy import ZaloPolicy
    from bot.i18n import use_locale

    assert masked_phone("+84912345678") == "0912…678"
    with_template = ZaloPolicy(ZaloSettings(zns_templates=TEMPLATES, window_days=5))
    without = ZaloPolicy(ZaloSettings(window_days=5))
    with use_locale("en"):
        told = with_template.promise("reminder", "+84912345678", True)
        assert told is not None and "in the last 5 days" in told
        assert "a Zalo message to 0912…678" in told and "345" not in told
        # No consent, no phone, or no template for reminders: only the window, said plainly.
        for policy, phone, consent in (
            (with_template, "+84912345678", False),
            (with_template, None, True),
            (without, "+84912345678", True),
        ):
            told = policy.promise("reminder", phone, consent)
            assert told is not None and "only if you have written to me in the 5 days" in told
            assert "0912" not in told


def test_a_broadcast_reaches_only_who_wrote_within_the_window():
    from bot.channels.policy import ALWAYS
    from bot.channels.zalo.policy import ZaloPolicy

    assert ZaloPolicy(ZaloSettings()).reachable_since("broadcast", NOON) == NOON - timedelta(
        days=7
    )
    assert ALWAYS.reachable_since("broadcast", NOON) is None
    assert ALWAYS.promise("reminder", "+84912345678", True) is None
