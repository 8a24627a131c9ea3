"""Logging in to the officer web pages: `/web` in the chat gives an officer a one-time link
(5 minutes, once, theirs); it opens a server-side session held by an HttpOnly, SameSite=Lax
cookie; bad, used and expired links are refused plainly and rate-limited; logging out here or
everywhere ends sessions; only current officers get in; nothing secret reaches the log."""

from __future__ import annotations

import logging

import pytest

from bot import app
from bot.config import ConfigError
from bot.db.web_models import WebLoginLink, WebSession
from bot.officers.roles import officer_of
from bot.web.limits import client_address, networks
from tests.chat import Chat
from tests.schedule_setup import ADMIN, HOAN_KIEM, OFFICERS, all_rows, audits
from tests.web_client import WebSite, field, link_in
from tests.web_fixtures import core, site  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.both_databases


async def test_officer_gets_a_link_in_the_chat_and_it_opens_the_today_page(core, site):
    chat = Chat(core, user_id=HOAN_KIEM, channel="telegram", language="en")
    await chat.say("/officer")
    await chat.press("Open the dashboard")
    assert "It works once, for 5 minutes, and only for you" in chat.text
    link = link_in(chat.text)
    assert link.startswith("http://127.0.0.1:8080/web/login/")

    browser = site.browser()
    response = await browser.log_in(link)
    assert response.status == 303 and response.headers["Location"] == "/web/"
    cookie = next(c for c in response.cookies if c.startswith("trolyso_web="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/web" in cookie
    assert "Secure" not in cookie  # the public URL is plain http here
    today = await browser.get("/web/")
    assert today.status == 200
    assert "<h1>Today</h1>" in today.text and "Điểm hỗ trợ hk-1" in today.text
    assert today.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in today.headers["Content-Security-Policy"]
    assert [a.action for a in await audits(core)][-2:] == ["web.link", "web.login"]


async def test_opening_the_link_changes_nothing_until_log_in_is_pressed(core, site):
    """A messenger fetching the link for a preview must not use it up."""
    link = await site.link(HOAN_KIEM)
    preview = site.browser()
    assert (await preview.get(link)).status == 200
    assert (await preview.get(link)).status == 200
    assert (await site.browser().log_in(link)).status == 303


async def test_a_used_link_is_refused_plainly(site):
    link = await site.link(HOAN_KIEM)
    assert (await site.browser().log_in(link)).status == 303
    again = await site.browser().get(link)
    assert again.status == 410
    assert "This login link has already been used" in again.text
    assert "send /web to the bot" in again.text


async def test_two_presses_of_one_link_open_one_session(core, site):
    link = await site.link(HOAN_KIEM)
    first, second = site.browser(), site.browser()
    await first.get(link)
    page = await second.get(link)
    assert (await first.log_in(link)).status == 303
    form = {"token": field(page.text, "token"), "csrf": field(page.text, "csrf")}
    refused = await second.post("/web/login", form)
    assert refused.status == 410 and "already been used" in refused.text
    assert len(await all_rows(core, WebSession)) == 1


async def test_a_link_older_than_five_minutes_is_refused(clock, site):
    link = await site.link(HOAN_KIEM)
    clock.advance(minutes=5, seconds=1)
    response = await site.browser().get(link)
    assert response.status == 410
    assert "This login link has expired" in response.text


async def test_a_made_up_link_is_refused_and_wrong_links_are_rate_limited(clock, site):
    browser = site.browser()
    for n in range(5):
        response = await browser.get(f"/web/login/made-up-token-{n}")
        assert response.status == 404 and "This login link is not valid." in response.text
    good = await site.link(HOAN_KIEM)
    locked = await browser.get(good)
    assert locked.status == 429 and "Please wait a minute" in locked.text
    clock.advance(seconds=61)
    assert (await browser.log_in(good)).status == 303


async def test_a_login_form_without_its_csrf_token_is_refused(core, site):
    link = await site.link(HOAN_KIEM)
    browser = site.browser()
    page = await browser.get(link)
    forged = await site.browser().post(
        "/web/login", {"token": field(page.text, "token"), "csrf": field(page.text, "csrf")}
    )
    assert forged.status == 403  # the form's token without the cookie it belongs to
    assert not await all_rows(core, WebSession)
    assert (await browser.log_in(link)).status == 303  # the link itself is still good


async def test_citizens_get_no_link(core, site):
    chat = Chat(core, user_id="777", channel="telegram", language="en")
    await chat.say("/web")
    assert "only for commune and ward officers" in chat.text
    assert "/web/login/" not in chat.text
    assert not await all_rows(core, WebLoginLink)


async def test_pages_need_a_login(site):
    response = await site.browser().get("/web/")
    assert response.status == 401
    assert "send /web to the bot" in response.text


async def test_log_out_ends_this_session_and_everywhere_ends_all(core, site):
    phone, laptop = await site.officer(HOAN_KIEM), await site.officer(HOAN_KIEM)
    out = await phone.post("/web/logout", {"csrf": await phone.csrf()})
    assert out.status == 200 and "You are logged out" in out.text
    assert (await phone.get("/web/")).status == 401
    assert (await laptop.get("/web/")).status == 200

    tablet = await site.officer(HOAN_KIEM)
    await tablet.post("/web/logout-everywhere", {"csrf": await tablet.csrf()})
    assert (await laptop.get("/web/")).status == 401
    assert (await tablet.get("/web/")).status == 401
    actions = [a.action for a in await audits(core)]
    assert "web.logout" in actions and "web.logout_all" in actions


async def test_a_session_lasts_the_configured_hours(clock, site):
    browser = await site.officer(HOAN_KIEM)
    clock.advance(hours=11, minutes=59)
    assert (await browser.get("/web/")).status == 200
    clock.advance(minutes=2)  # web.session_hours = 12
    assert (await browser.get("/web/")).status == 401


async def test_an_officer_whose_rights_are_removed_is_let_in_no_more(core, site):
    browser = await site.officer(HOAN_KIEM)
    async with core.db.transaction() as session:
        await session.delete(await officer_of(session, "telegram", HOAN_KIEM))
    response = await browser.get("/web/")
    assert response.status == 403
    assert "only for commune and ward officers" in response.text
    assert (await browser.get("/web/")).status == 401  # and the session ended


async def test_cookie_is_secure_when_the_pages_are_served_over_https(config, clock):
    core = await app.start(
        config.replace(**OFFICERS, web__public_url="https://ward.example.vn"), clock=clock
    )
    site = await WebSite.start(core)
    try:
        link = await site.link(ADMIN)
        assert link.startswith("https://ward.example.vn/web/login/")
        browser = site.browser()
        page = await browser.get(link)
        assert "Secure" in next(c for c in page.cookies if c.startswith("trolyso_login="))
        # Over https the browser would send the Secure cookie back; this test talks plain
        # http, so it sends it by hand.
        csrf = field(page.text, "csrf")
        response = await browser.post(
            "/web/login",
            {"token": field(page.text, "token"), "csrf": csrf},
            headers={"Cookie": f"trolyso_login={csrf}"},
        )
        assert "Secure" in next(c for c in response.cookies if c.startswith("trolyso_web="))
    finally:
        await site.close()
        await core.close()


async def test_no_token_or_cookie_reaches_the_log(site, caplog):
    caplog.set_level(logging.DEBUG)
    link = await site.link(HOAN_KIEM)
    token = link.rsplit("/", 1)[1]
    browser = site.browser()
    response = await browser.log_in(link)
    cookie = next(c for c in response.cookies if c.startswith("trolyso_web="))
    secret = cookie.split(";")[0].split("=", 1)[1]
    await browser.get(link)  # a refused reuse is logged, without the token
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "login link refused (used)" in logged
    assert token not in logged and secret not in logged


async def test_the_pages_speak_the_officers_chat_language_and_can_switch(core, site):
    vi = Chat(core, user_id=HOAN_KIEM, channel="telegram", language="vi")
    await vi.say("/web")
    browser = site.browser()
    await browser.log_in(link_in(vi.text))
    page = await browser.get("/web/")
    assert 'lang="vi"' in page.text and "<h1>Hôm nay</h1>" in page.text
    switched = await browser.post("/web/language", {"csrf": await browser.csrf(), "locale": "en"})
    assert switched.status == 303
    assert "<h1>Today</h1>" in (await browser.get("/web/")).text


async def test_forwarded_addresses_are_ignored_unless_the_peer_is_a_trusted_proxy(clock, site):
    """No trusted proxies (the default): X-Forwarded-For is not read, so a client cannot
    escape the count by writing another address in it."""
    browser = site.browser()
    for n in range(5):
        forged = {"X-Forwarded-For": f"203.0.113.{n}"}
        assert (await browser.get(f"/web/login/made-up-{n}", headers=forged)).status == 404
    good = await site.link(HOAN_KIEM)
    fresh = {"X-Forwarded-For": "198.51.100.7"}
    assert (await browser.get(good, headers=fresh)).status == 429


async def test_behind_a_trusted_proxy_each_client_is_counted_on_its_own(config, clock):
    core = await app.start(
        config.replace(**OFFICERS, web__trusted_proxies=["127.0.0.1", "10.0.0.0/8"]),
        clock=clock,
    )
    site = await WebSite.start(core)
    try:
        browser = site.browser()
        # The proxy (127.0.0.1, the test's own address) appends the address it saw.
        attacker = {"X-Forwarded-For": "1.2.3.4, 203.0.113.9"}
        for n in range(5):
            assert (await browser.get(f"/web/login/made-up-{n}", headers=attacker)).status == 404
        good = await site.link(HOAN_KIEM)
        assert (await browser.get(good, headers=attacker)).status == 429
        # What the client wrote left of the proxy's entry changes nothing.
        spoofed = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}
        assert (await browser.get(good, headers=spoofed)).status == 429
        # Another client behind the same proxies (two hops: 10.0.0.5 is trusted too).
        officer = {"X-Forwarded-For": "198.51.100.7, 10.0.0.5"}
        assert (await browser.get(good, headers=officer)).status == 200
    finally:
        await site.close()
        await core.close()


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "client"),
    [
        ("203.0.113.9", ["1.2.3.4"], [], "203.0.113.9"),  # no proxies: never read
        ("203.0.113.9", ["1.2.3.4"], ["127.0.0.1"], "203.0.113.9"),  # peer not a proxy
        ("127.0.0.1", ["1.2.3.4, 203.0.113.9"], ["127.0.0.1"], "203.0.113.9"),
        (
            "127.0.0.1",
            ["1.2.3.4", "203.0.113.9, 10.1.2.3"],
            ["127.0.0.1", "10.0.0.0/8"],
            "203.0.113.9",
        ),
        ("127.0.0.1", [], ["127.0.0.1"], "127.0.0.1"),  # a proxy's own request
        ("127.0.0.1", ["10.0.0.4"], ["127.0.0.0/8", "10.0.0.0/8"], "10.0.0.4"),  # all trusted
        ("127.0.0.1", ["garbage, 10.0.0.4"], ["127.0.0.1", "10.0.0.0/8"], "10.0.0.4"),
        ("::ffff:127.0.0.1", ["2001:db8::1"], ["127.0.0.1"], "2001:db8::1"),
        (None, ["1.2.3.4"], ["127.0.0.1"], "-"),
    ],
)
def test_the_client_address_read_through_trusted_proxies(peer, forwarded, proxies, client):
    assert client_address(peer, forwarded, networks(proxies)) == client


def test_a_trusted_proxy_must_be_an_address_or_network(config):
    with pytest.raises(ConfigError, match="web.trusted_proxies"):
        config.replace(web__trusted_proxies=["proxy.example.vn"])
