"""A citizen's news: "🔔 Get news from …" after booking, "📰 News from my ward" in Settings
(add by typing a name, stop one ward, stop all, turn back on), /stop from anywhere, and
/privacy showing and deleting the subscriptions."""

from __future__ import annotations

import pytest

from bot.db.broadcast_models import NewsOptOut, NewsSubscription
from tests.booking_flow import book_for_parent, rows_of, use_places
from tests.chat import Chat

# Subscriptions and opt-outs are written with INSERT … ON CONFLICT: also run on PostgreSQL.
pytestmark = pytest.mark.both_databases


async def subscriptions(core) -> list[str]:
    return [s.unit_id for s in await rows_of(core, NewsSubscription)]


async def test_booking_ends_with_an_offer_of_news_from_that_ward(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await book_for_parent(chat)
    assert "Booked!" in chat.text
    assert chat.labels[:3] == ["🗓 My bookings", "🔔 Get news from Hoàn Kiếm ward", "🏠 Menu"]
    await chat.press("Get news from Hoàn Kiếm ward")
    assert "you will get news from Hoàn Kiếm ward" in chat.text
    assert await subscriptions(core) == ["hoan-kiem"]
    (sub,) = await rows_of(core, NewsSubscription)
    assert sub.chat_id == chat.chat_id and sub.locale == "en"

    await book_for_parent(chat, time_label="09:00")  # already subscribed: not offered again
    assert "Booked!" in chat.text and not any("Get news" in label for label in chat.labels)


async def test_settings_add_a_ward_by_name_then_stop_it(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await chat.say("/settings")
    assert "News from a ward: none yet" in chat.text
    await chat.press("News from my ward")
    await chat.press("Get news from another ward or commune")
    await chat.say("nowhere at all")
    assert "could not find a ward or commune called" in chat.text
    await chat.say("cau giay")
    assert "you will get news from Cầu Giấy ward" in chat.text
    assert await subscriptions(core) == ["cau-giay"]
    await chat.say("/settings")
    assert "News from: Cầu Giấy ward" in chat.text
    await chat.press("News from my ward")
    await chat.press("No more news from Cầu Giấy ward")
    assert "no more news from Cầu Giấy ward" in chat.text
    assert await subscriptions(core) == []


async def test_settings_suggest_the_ward_of_a_booking(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await book_for_parent(chat)
    await chat.say("/settings")
    await chat.press("News from my ward")
    await chat.press("Get news from Hoàn Kiếm ward")
    assert await subscriptions(core) == ["hoan-kiem"]


async def test_stop_works_in_the_middle_of_anything_and_news_can_come_back(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await chat.tap("news:sub:hoan-kiem")
    await chat.say("/menu")
    await chat.press("Book a visit")
    await chat.say("/stop")
    assert "no more news" in chat.text and "Reminders about your own visits" in chat.text
    assert len(await rows_of(core, NewsOptOut)) == 1
    await chat.say("/settings")
    assert "News: off" in chat.text
    await chat.press("News from my ward")
    assert "All news is off" in chat.text
    await chat.press("Turn news back on")
    assert "News is on again" in chat.text and await rows_of(core, NewsOptOut) == []
    await chat.press("Stop all news")
    assert len(await rows_of(core, NewsOptOut)) == 1
    await chat.tap("news:sub:cau-giay")  # asking for a ward's news turns news back on
    assert await rows_of(core, NewsOptOut) == []
    assert sorted(await subscriptions(core)) == ["cau-giay", "hoan-kiem"]


async def test_a_forged_ward_is_refused_and_nothing_is_stored(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await chat.tap("news:sub:atlantis")
    assert "don't know that ward or commune" in chat.text and chat.labels
    assert await subscriptions(core) == []


async def test_privacy_shows_and_deletes_subscriptions_but_keeps_a_no(core):
    await use_places(core)
    chat = Chat(core, language="en")
    await chat.tap("news:sub:hoan-kiem")
    await chat.say("/privacy")
    assert "News you get from wards and communes: 1" in chat.text
    await chat.press("Download my data")
    document = next(r.document for r in chat.replies if r.document)
    assert b'"ward": "hoan-kiem"' in document.data
    await chat.say("/stop")
    await chat.tap("pv:delete")
    await chat.press("Yes, delete my data")
    assert await subscriptions(core) == []
    assert len(await rows_of(core, NewsOptOut)) == 1, "a no stays a no"
