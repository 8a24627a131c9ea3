"""An officer links a second app to their officer account with a one-time code: the rights
follow the person, the code works once and for ten minutes, guessing is stopped, and both
steps are in the audit log."""

from __future__ import annotations

import re

import pytest

from bot import app
from bot.core import Core
from bot.officers import manage
from bot.services.actor import actor_for_identity
from tests.booking_flow import use_places
from tests.chat import Chat
from tests.schedule_setup import CAU_GIAY, HOAN_KIEM, OFFICERS, audits, officer_chat

ZALO_ID = "6142494823000000000"  # longer than a 64-bit integer allows, on purpose below
ZALO_LONG_ID = "61424948230000000001234"


@pytest.fixture
async def core(config, clock):
    core = await app.start(config.replace(**OFFICERS), clock=clock)
    await use_places(core)
    try:
        yield core
    finally:
        await core.close()


def zalo(core: Core, user_id: str = ZALO_LONG_ID) -> Chat:
    return Chat(core, user_id=user_id, channel="zalo", language="en")


async def code_for(officer: Chat) -> str:
    await officer.say("/officer")
    await officer.press("Link another app")
    found = re.search(r"/link ([A-Z0-9]{4}-[A-Z0-9]{4})", officer.text)
    assert found, officer.text
    assert "works once, for 10 minutes" in officer.text
    return found[1]


async def test_an_officer_links_zalo_and_the_rights_follow_them(core):
    officer = officer_chat(core, HOAN_KIEM)
    code = await code_for(officer)
    other_app = zalo(core)
    await other_app.say("/officer")
    assert "only for commune and ward officers" in other_app.text
    await other_app.say(f"/link {code.lower()}")  # typed in lower case: still fine
    assert "Linked" in other_app.text
    # Zalo shows 5 buttons a message: the rest of the menu is behind "More…".
    labels = list(other_app.labels)
    while "More…" in other_app.labels and not any("Officer tools" in x for x in labels):
        await other_app.press("More…")
        labels += other_app.labels
    assert any("Officer tools" in label for label in labels)
    await other_app.say("/officer")
    assert "Officer tools." in other_app.text and "You serve 1 commune or ward." in other_app.text
    await other_app.press("Sessions")
    assert "Sessions of the next" in other_app.text or "hk-1" in other_app.text
    async with core.db.transaction() as session:
        actor = await actor_for_identity(session, "zalo", ZALO_LONG_ID)
    assert actor.can_act_on_unit("hoan-kiem") and not actor.can_act_on_unit("cau-giay")
    actions = [e.action for e in await audits(core)]
    assert "officer.link_code" in actions and "officer.link" in actions
    assert all("6142" not in str(e.before) for e in await audits(core))


async def test_removing_the_rights_removes_them_in_every_linked_app(core, clock):
    code = await code_for(officer_chat(core, HOAN_KIEM))
    other_app = zalo(core)
    await other_app.say(f"/link {code}")
    async with core.db.transaction() as session:
        await manage.remove(
            session, channel="telegram", external_id=HOAN_KIEM, actor="cli:test", now=clock.now()
        )
    await other_app.say("/officer")
    assert "only for commune and ward officers" in other_app.text


async def test_a_code_works_once(core):
    code = await code_for(officer_chat(core, HOAN_KIEM))
    await zalo(core).say(f"/link {code}")
    second = zalo(core, ZALO_ID)
    await second.say(f"/link {code}")
    assert "wrong or too old" in second.text
    await second.say("/officer")
    assert "only for commune and ward officers" in second.text


async def test_a_code_is_too_old_after_ten_minutes(core, clock):
    code = await code_for(officer_chat(core, HOAN_KIEM))
    clock.advance(minutes=10, seconds=1)
    other_app = zalo(core)
    await other_app.say(f"/link {code}")
    assert "wrong or too old" in other_app.text
    await other_app.say("/officer")
    assert "only for commune and ward officers" in other_app.text


async def test_guessing_is_stopped_after_five_wrong_codes(core, clock):
    guesser = zalo(core)
    for n in range(5):
        await guesser.say(f"/link AAAA-AAA{n}")
        assert "wrong or too old" in guesser.text
    code = await code_for(officer_chat(core, HOAN_KIEM))
    await guesser.say(f"/link {code}")
    assert "Too many wrong codes" in guesser.text
    await guesser.say("/officer")
    assert "only for commune and ward officers" in guesser.text
    clock.advance(hours=1, minutes=1)
    await guesser.say(f"/link {await code_for(officer_chat(core, HOAN_KIEM))}")
    assert "Linked" in guesser.text


async def test_an_account_of_another_officer_is_not_taken_over(core):
    code = await code_for(officer_chat(core, HOAN_KIEM))
    other_officer = officer_chat(core, CAU_GIAY)
    await other_officer.say(f"/link {code}")
    assert "already belongs to another officer" in other_officer.text
    async with core.db.transaction() as session:
        actor = await actor_for_identity(session, "telegram", CAU_GIAY)
    assert actor.unit_ids == {"cau-giay"}


async def test_a_citizen_gets_no_code_and_link_without_a_code_explains(core):
    citizen = Chat(core, user_id="777", channel="telegram", language="en")
    await citizen.tap("ofc:link")
    assert "only for commune and ward officers" in citizen.text
    await citizen.say("/link")
    assert "like this: /link" in citizen.text
    assert not [e for e in await audits(core) if e.action.startswith("officer.link")]
