"""The "Officers" pages, for administrators only: every officer with their units and linked
apps; add an officer by their app account, change someone's role and units, take their rights
away after a confirmation — through the officer services (audited; an officer is refused even
from a forged form; nobody changes their own rights; bad input changes nothing)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.officer_models import Officer
from bot.officers import service as officers
from bot.services.actor import actor_for_identity
from bot.services.errors import Refused
from tests.schedule_setup import ADMIN, CAU_GIAY, HOAN_KIEM, audits
from tests.test_officer_services import _context
from tests.web_fixtures import core, site  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.both_databases


async def rights(core) -> dict[str, tuple[str, tuple[str, ...]]]:
    """account → (role, units) of every officer."""
    async with core.db.transaction() as db:
        found = await officers.list_officers(
            _context(core, await actor_for_identity(db, "telegram", ADMIN), db)
        )
    return {f"{c}:{e}": (o.role, tuple(o.unit_ids)) for o in found for c, e in o.accounts}


async def officer_id(core, account: str) -> int:
    async with core.db.transaction() as db:
        admin = await actor_for_identity(db, "telegram", ADMIN)
        found = await officers.list_officers(_context(core, admin, db))
    channel, external_id = account.split(":")
    return next(o.id for o in found if (channel, external_id) in o.accounts)


async def test_the_list_shows_each_officer_with_units_and_linked_apps(core, site):
    admin = await site.officer(ADMIN)
    page = await admin.get("/web/officers")
    assert page.status == 200 and "<h1>Officers</h1>" in page.text
    assert 'href="/web/officers"' in page.text and 'aria-current="page"' in page.text
    assert "telegram:100" in page.text and "Hoàn Kiếm ward" in page.text
    assert "telegram:200" in page.text and "Cầu Giấy ward" in page.text
    assert "telegram:900" in page.text and "every commune and ward" in page.text
    assert "Ba Đình ward" in page.text, "every unit can be chosen"
    me = await officer_id(core, f"telegram:{ADMIN}")
    assert f'href="/web/officers/{me}"' not in page.text, "not one's own rights"


async def test_an_officer_sees_no_officers_page_and_a_forged_form_is_refused(core, site):
    officer = await site.officer(HOAN_KIEM)
    assert 'href="/web/officers"' not in (await officer.get("/web/")).text
    assert (await officer.get("/web/officers")).status == 403
    before = await rights(core)
    csrf = await officer.csrf()
    forged = await officer.post(
        "/web/officers/add",
        {"csrf": csrf, "account": "telegram:4242", "role": "admin"},
    )
    assert forged.status == 403 and "only an administrator" in forged.text
    other = await officer_id(core, f"telegram:{CAU_GIAY}")
    for action in ("rights", "remove"):
        forged = await officer.post(
            f"/web/officers/{other}/{action}",
            {"csrf": csrf, "role": "officer", "units": "hoan-kiem", "step": "apply"},
        )
        assert forged.status == 403, action
    assert await rights(core) == before
    assert not await audits(core, "officer.add") and not await audits(core, "officer.remove")


async def test_an_admin_adds_an_officer_changes_their_units_and_takes_them_away(core, site):
    admin = await site.officer(ADMIN)
    csrf = await admin.csrf()
    added = await admin.post(
        "/web/officers/add",
        {"csrf": csrf, "account": "telegram:4242", "role": "officer", "units": "ba-dinh"},
    )
    assert added.status == 200 and "Saved: telegram:4242 is now an officer." in added.text
    assert (await rights(core))["telegram:4242"] == ("officer", ("ba-dinh",))
    [entry] = await audits(core, "officer.add")
    assert entry.actor == f"telegram:{ADMIN}" and entry.target == "officer:telegram:4242"
    again = await admin.post(
        "/web/officers/add",
        {"csrf": csrf, "account": "telegram:4242", "role": "officer", "units": "ba-dinh"},
    )
    assert "Nothing changed" in again.text and len(await audits(core, "officer.add")) == 1

    new = await officer_id(core, "telegram:4242")
    page = (await admin.get(f"/web/officers/{new}")).text
    assert "Officer of: Ba Đình ward" in page and 'value="ba-dinh" checked' in page
    changed = await admin.post(
        f"/web/officers/{new}/rights",
        aiohttp_form(csrf, role="officer", units=["ba-dinh", "hoan-kiem"]),
    )
    assert changed.status == 200, changed.text
    assert (await rights(core))["telegram:4242"] == ("officer", ("ba-dinh", "hoan-kiem"))

    confirm = await admin.post(f"/web/officers/{new}/remove", {"csrf": csrf})
    assert confirm.status == 200 and "loses every officer right" in confirm.text
    assert "telegram:4242" in await rights(core), "a confirmation changes nothing"
    gone = await admin.post(f"/web/officers/{new}/remove", {"csrf": csrf, "step": "apply"})
    assert gone.status == 303
    assert "telegram:4242" not in await rights(core)
    assert len(await audits(core, "officer.remove")) == 1
    assert (await admin.get(f"/web/officers/{new}")).status == 404


async def test_bad_input_and_ones_own_rights_change_nothing(core, site):
    admin = await site.officer(ADMIN)
    csrf = await admin.csrf()
    before = await rights(core)
    for form, status, words in (
        ({"account": "someone", "role": "officer", "units": "ba-dinh"}, 400, "app account"),
        ({"account": "telegram:4242", "role": "officer"}, 409, "at least one commune"),
        (
            {"account": "telegram:4242", "role": "officer", "units": "atlantis"},
            400,
            "know that commune",
        ),
        ({"account": "telegram:4242", "role": "king"}, 400, "choose the role"),
        ({"account": f"telegram:{ADMIN}", "role": "officer", "units": "ba-dinh"}, 409, "own"),
    ):
        response = await admin.post("/web/officers/add", {"csrf": csrf, **form})
        assert response.status == status and words in response.text, (form, response.text)
    me = await officer_id(core, f"telegram:{ADMIN}")
    mine = await admin.post(f"/web/officers/{me}/remove", {"csrf": csrf, "step": "apply"})
    assert mine.status == 409 and "your own rights" in mine.text
    assert (await admin.get("/web/officers/99999")).status == 404
    assert await rights(core) == before


async def test_an_admin_cannot_take_away_their_own_rights_directly(core):
    async with core.db.transaction() as db:
        sc = _context(core, await actor_for_identity(db, "telegram", ADMIN), db)
        with pytest.raises(Refused) as caught:
            await officers.revoke(sc, "telegram", ADMIN)
        assert caught.value.key == "officers.not_yourself"
        assert await db.scalar(select(Officer.id).where(Officer.role == "admin"))


def aiohttp_form(csrf: str, **fields) -> list[tuple[str, str]]:
    """A form with a repeated field (several units)."""
    pairs = [("csrf", csrf)]
    for name, value in fields.items():
        pairs += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
    return pairs
