"""The officer pages in a real browser: Debian's Chromium driven by Playwright, headless,
against the real app on an ephemeral port. An officer logs in with the link the chat gave,
marks a visitor as came with the keyboard alone (htmx swaps the row), a forged form for
another unit's visitor is refused, and they log out. Every page, in Vietnamese and English,
passes axe-core with no serious or critical violation (contrast, labels, names) and is
saved as a screenshot to docs/img/ for the README.

Skipped, with one line saying why, only where /usr/bin/chromium is missing (`.ci/run`
installs it).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.core import Core
from bot.db.booking_models import Booking
from bot.outbox.sweeper import sweep_once
from tests.booking_flow import MONDAY, use_places
from tests.broadcast_flow import booked, subscribed
from tests.chat import Chat
from tests.fake_telegram import FakeTelegram
from tests.outbox_helpers import attach
from tests.schedule_setup import ADMIN, HOAN_KIEM, OFFICERS, all_rows, session_at, snapshot
from tests.telegram_harness import running_bot
from tests.test_officer_daily import MONDAY_0845, monday_visitors, request_home_visit
from tests.web_client import WebSite, link_in
from tests.web_fixtures import core, site  # noqa: F401  (pytest fixtures)

CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(
        f"browser tests skipped: {CHROMIUM} is not installed (apt-get install -y chromium)",
        allow_module_level=True,
    )

from playwright.async_api import Page, async_playwright  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests" / "vendor" / "axe.min.js"
SHOTS = ROOT / "docs" / "img"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
async def browser():
    async with async_playwright() as p:
        chromium = await p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking"],
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def new_page(browser, language: str) -> Page:
    # bypass_csp: axe is injected as an inline script, which the pages' policy forbids.
    context = await browser.new_context(
        viewport=PHONE, locale="vi-VN" if language == "vi" else "en-GB", bypass_csp=True
    )
    return await context.new_page()


async def chat_link(core: Core, site: WebSite, who: str, language: str) -> str:
    chat = Chat(core, user_id=who, channel="telegram", language=language)
    await chat.say("/web")
    return site.base + "/web/login/" + link_in(chat.text).rsplit("/", 1)[1]


async def check_accessibility(page: Page, name: str) -> None:
    """axe-core on the page as shown: no serious or critical violation."""
    await page.add_script_tag(path=str(AXE))
    violations = await page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")).slice(0, 3),
            }));
        }"""
    )
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {bad}"


async def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element is focused: it is reachable with the keyboard alone."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


async def test_officer_logs_in_marks_attendance_by_keyboard_is_refused_a_forged_form_and_logs_out(
    core, clock, site, browser
):
    lan, _hung = await monday_visitors(core)
    hoa = next(b for b in await all_rows(core, Booking) if b.point_id == "cg-1")
    clock.set(MONDAY_0845)
    page = await new_page(browser, "en")

    await page.goto(await chat_link(core, site, HOAN_KIEM, "en"))
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(site.base + "/web/")
    assert await page.get_by_role("heading", name="Today", level=1).is_visible()

    await tab_to(page, f'#visit-{lan.id} button[value="attended"]')
    await page.keyboard.press("Enter")
    await page.locator(f"#visit-{lan.id} .badge.came").wait_for()
    assert (await all_rows(core, Booking, Booking.id == lan.id))[0].status == "attended"
    assert page.url == site.base + "/web/", "htmx swapped the row; no reload"

    before = await snapshot(core)
    await page.evaluate(
        """([bookingId]) => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = `/web/visits/${bookingId}/mark`;
            const csrf = document.querySelector("input[name=csrf]").cloneNode();
            const status = Object.assign(document.createElement("input"),
                {type: "hidden", name: "status", value: "missed"});
            form.append(csrf, status);
            document.body.append(form);
            form.submit();
        }""",
        [hoa.id],
    )
    await page.get_by_role("heading", name="Not allowed").wait_for()
    assert "not an officer of that commune or ward" in await page.content()
    assert await snapshot(core) == before

    await page.goto(site.base + "/web/")
    await page.get_by_role("button", name="Log out", exact=True).click()
    await page.get_by_role("heading", name="Logged out").wait_for()
    await page.goto(site.base + "/web/")
    assert await page.get_by_role("heading", name="Please log in").is_visible()


async def test_a_broadcasts_progress_reaches_100_percent_without_a_reload(
    core, clock, site, browser
):
    for n in range(3):
        await subscribed(core, f"c{n}", "hoan-kiem")
    page = await new_page(browser, "en")
    await page.goto(await chat_link(core, site, HOAN_KIEM, "en"))
    await page.get_by_role("button", name="Log in").click()
    await page.get_by_role("link", name="Broadcast").click()
    await page.get_by_label("Message").fill("Monday: the point opens 30 minutes late.")
    await page.get_by_role("button", name="Preview").click()
    assert await page.get_by_text("It will reach 3 people.").is_visible()
    await page.get_by_role("button", name="Send now").click()
    await page.get_by_text("Waiting to be sent: 3").wait_for()
    status_url = page.url

    channel = attach(core, clock, "telegram")
    await sweep_once(core)
    assert len(channel.sent) >= 3
    # htmx asks for the progress every 2 seconds; the page itself is never reloaded.
    await page.locator("#progress .percent", has_text="100%").wait_for(timeout=15_000)
    assert await page.get_by_text("Delivered: 3").is_visible()
    assert await page.get_by_text("Finished.").is_visible()
    assert page.url == status_url


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_every_page_passes_axe_and_is_photographed(core, clock, site, browser, language):
    await monday_visitors(core)
    await request_home_visit(core, "hoan-kiem", "hk-1", "Phạm Thị Thu")
    await subscribed(core, "c1", "hoan-kiem")
    await booked(core, "c2", "hk-1", "09:00", day=MONDAY + timedelta(days=2), name="Trần Bình")
    clock.set(MONDAY_0845)
    page = await new_page(browser, language)
    link = await chat_link(core, site, HOAN_KIEM, language)

    await page.goto(link)
    await check_accessibility(page, "login")
    await shoot(page, f"web-login-{language}")
    await page.locator("button.primary").click()
    await page.wait_for_url(site.base + "/web/")
    marked = page.locator("li.visit button.came").first
    await marked.click()
    await page.locator("li.visit .badge.came").first.wait_for()
    await check_accessibility(page, "today")
    await shoot(page, f"web-today-{language}")

    await page.goto(site.base + "/web/schedule")
    await check_accessibility(page, "schedule")
    await shoot(page, f"web-schedule-{language}")
    await page.locator("li.session a").last.click()  # later in the week: still changeable
    await page.locator("#reason").fill(
        "Cán bộ bị ốm" if language == "vi" else "The officer is ill"
    )
    await page.locator("form[action$='/cancel'] button").click()
    await page.locator(".preview").wait_for()
    await check_accessibility(page, "session preview")
    await shoot(page, f"web-session-preview-{language}")

    await page.goto(site.base + "/web/schedule")
    await page.locator("details.point-changes summary").first.click()
    await page.locator("#close-first-hk-1").fill("2026-11-30")
    await page.locator("#close-last-hk-1").fill("2026-12-02")
    await page.locator("#close-reason-hk-1").fill(
        "Sửa chữa phòng tiếp dân" if language == "vi" else "The room is being repaired"
    )
    await check_accessibility(page, "schedule point changes")
    await page.locator("form[action$='/close'] button").click()
    await page.locator(".preview").wait_for()
    await check_accessibility(page, "point close preview")
    await shoot(page, f"web-point-close-preview-{language}")

    await page.goto(site.base + "/web/broadcasts")
    await page.locator("#text").fill(
        "Thứ Hai điểm hỗ trợ mở cửa muộn 30 phút." if language == "vi" else "Monday: 30 min late."
    )
    await page.locator("form[action$='/preview'] button").click()
    await page.locator(".preview").wait_for()
    await check_accessibility(page, "broadcast preview")
    await shoot(page, f"web-broadcast-preview-{language}")
    await page.locator("form[action$='/send'] button").click()
    await page.locator("#progress").wait_for()
    await check_accessibility(page, "broadcast progress")
    await shoot(page, f"web-broadcast-progress-{language}")

    for name in ("numbers", "log"):
        await page.goto(f"{site.base}/web/{name}")
        await check_accessibility(page, name)
        await shoot(page, f"web-{name}-{language}")

    admin = await new_page(browser, language)
    await admin.goto(await chat_link(core, site, ADMIN, language))
    await admin.locator("button.primary").click()
    await admin.wait_for_url(site.base + "/web/")
    await admin.goto(site.base + "/web/officers")
    await check_accessibility(admin, "officers")
    await shoot(admin, f"web-officers-{language}")
    await admin.locator("table.officers a").first.click()
    await admin.locator("form[action$='/remove'] button").click()
    await admin.locator(".preview").wait_for()
    await check_accessibility(admin, "officer remove confirmation")
    await admin.close()

    await page.evaluate(  # a form that did not come from the pages: no CSRF token
        """() => {
            const form = Object.assign(document.createElement("form"),
                {method: "post", action: "/web/logout-everywhere"});
            document.body.append(form);
            form.submit();
        }"""
    )
    await page.locator("h1").wait_for()
    await check_accessibility(page, "refused")
    await shoot(page, f"web-refused-{language}")

    await page.goto(link)  # used already
    await check_accessibility(page, "link refused")
    await shoot(page, f"web-link-used-{language}")

    await page.goto(site.base + "/web/")
    await page.locator("footer form[action='/web/logout'] button").click()
    await page.wait_for_load_state()
    await check_accessibility(page, "logged out")
    await shoot(page, f"web-logged-out-{language}")
    await page.goto(site.base + "/web/")
    await check_accessibility(page, "login needed")


async def test_moving_a_session_tells_each_booked_visitor_through_the_fake_bot_api(
    config, clock, browser
):
    """The real Telegram channel (PTB against the fake Bot API) beside the pages: an officer
    moves Monday's session on the Schedule page, and each booked visitor's notice arrives at
    the fake server with their new time."""
    async with FakeTelegram() as fake, running_bot(config, clock, fake, **OFFICERS) as bot:
        core = bot.channel.core
        await use_places(core)
        site = await WebSite.start(core)
        try:
            lan = await booked(core, "4301", "hk-1", "08:30", name="Nguyễn Thị Lan")
            binh = await booked(core, "4302", "hk-1", "09:00", name="Trần Bình")
            session = await session_at(core, "hk-1", MONDAY)
            page = await new_page(browser, "en")
            await page.goto(await chat_link(core, site, HOAN_KIEM, "en"))
            await page.get_by_role("button", name="Log in").click()
            await page.get_by_role("link", name="Schedule").click()
            await page.locator(f'a[href="/web/sessions/{session.id}"]').click()
            assert await page.get_by_text("Nguyễn Thị Lan").is_visible()
            await page.get_by_label("New day").fill("2026-12-01")
            await page.get_by_label("New start time").fill("14:00")
            await page.get_by_role("button", name="Preview the move").click()
            await page.get_by_text("2 booked visitors (listed above)").wait_for()
            assert not fake.calls_to("sendMessage"), "a preview tells nobody"
            await page.get_by_role("button", name="Move the session and tell them").click()
            await page.get_by_text("Moved. 2 booked visitors are being asked").wait_for()

            await sweep_once(core)  # unless the bot's own sweeper was quicker
            for booking, now in ((lan, "14:30–15:00"), (binh, "15:00–15:30")):
                [notice] = await fake.wait_for("sendMessage", chat_id=int(booking.chat_id))
                text = notice.payload["text"]
                assert "Your visit has been moved by the support point." in text
                assert f"{now}, Tuesday 1 December 2026" in text, text
                assert f"Booking code: {booking.code} (unchanged)" in text
        finally:
            await site.close()
