"""Officers in the bot: rights granted from config.toml at start, the officer menu shown only to
officers, every officer action authorised server-side (scope checked), refusals polite and
logged, the audit log of my units."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import app
from bot import config as config_mod
from bot.core import Core
from bot.ctx import OfficerEntry
from bot.db.officer_models import AuditEntry, Officer
from bot.errors import ConfigError
from bot.officers import audit, manage
from bot.officers.roles import can_act_on_unit
from handlers import menu, officer
from tests.chat import Chat

# Storage-backed behaviour: also run on PostgreSQL.
pytestmark = pytest.mark.both_databases

ROOT = Path(__file__).resolve().parent.parent
ADMIN, HOAN_KIEM, BA_DINH = "900", "100", "200"
OFFICER_CONFIG = {
    "officers__admins": [ADMIN],
    "officers__officers": [f"{HOAN_KIEM}:hoan-kiem", f"{BA_DINH}:ba-dinh,cua-nam"],
}
TOOLS = "Công cụ cán bộ"


@pytest.fixture
async def core(config, clock):
    core = await app.start(config.replace(**OFFICER_CONFIG), clock=clock)
    try:
        yield core
    finally:
        await core.close()


def telegram(core: Core, user_id: str) -> Chat:
    return Chat(core, user_id=user_id, channel="telegram")


async def audit_rows(core: Core) -> list[AuditEntry]:
    async with core.db.transaction() as session:
        return list((await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())


async def officers(core: Core) -> dict[str, tuple[str, list[str]]]:
    async with core.db.transaction() as session:
        return {
            account.partition(":")[2]: (o.role, o.unit_ids)
            for o in await manage.all_officers(session)
            for account in o.identities
        }


async def test_config_officers_are_granted_once_at_start_and_audited(config, clock):
    cfg = config.replace(**OFFICER_CONFIG)
    core = await app.start(cfg, clock=clock)
    try:
        assert await officers(core) == {
            ADMIN: ("admin", []),
            HOAN_KIEM: ("officer", ["hoan-kiem"]),
            BA_DINH: ("officer", ["ba-dinh", "cua-nam"]),
        }
        rows = await audit_rows(core)
        assert [(r.actor, r.action) for r in rows] == [("config", "bootstrap")] * 3
        assert rows[0].before is None and rows[0].after == {"role": "admin", "units": []}
    finally:
        await core.close()
    clock.advance(days=1)
    again = await app.start(cfg, clock=clock)  # a restart changes nothing
    try:
        assert len(await audit_rows(again)) == 3
        assert len(await officers(again)) == 3
    finally:
        await again.close()
    wider = cfg.replace(officers__officers=[f"{HOAN_KIEM}:hoan-kiem,lang"])
    third = await app.start(wider, clock=clock)
    try:
        rows = await audit_rows(third)
        assert len(rows) == 4
        assert rows[-1].before == {"role": "officer", "units": ["hoan-kiem"]}
        assert rows[-1].after == {"role": "officer", "units": ["hoan-kiem", "lang"]}
        assert (await officers(third))[BA_DINH] == ("officer", ["ba-dinh", "cua-nam"]), (
            "dropping a config line never revokes: `trolyso officers remove` does"
        )
    finally:
        await third.close()


async def test_a_config_officer_with_an_unknown_unit_stops_the_start_naming_the_key(config, clock):
    with pytest.raises(ConfigError, match=r"officers\.officers.*hoan-kim.*did you mean hoan-kiem"):
        await app.start(config.replace(officers__officers=["100:hoan-kim"]), clock=clock)


def test_officer_lists_from_the_environment_use_commas_and_semicolons():
    env = {
        "TROLYSO_OFFICERS_ADMINS": "111, 222",
        "TROLYSO_OFFICERS_OFFICERS": "333:hoan-kiem, cua-nam;444:ba-dinh",
    }
    cfg = config_mod.load(ROOT / "config.toml", environ=env)
    assert cfg.officers.admins == ("111", "222")
    assert cfg.officers.officers == ("333:hoan-kiem, cua-nam", "444:ba-dinh")
    for key, value in [
        ("TROLYSO_OFFICERS_ADMINS", "@someone"),
        ("TROLYSO_OFFICERS_OFFICERS", "333:Hoàn Kiếm"),
        ("TROLYSO_OFFICERS_OFFICERS", "333"),
    ]:
        name = key.removeprefix("TROLYSO_").lower().replace("_", ".", 1)
        with pytest.raises(ConfigError, match=name.replace(".", r"\.")):
            config_mod.load(ROOT / "config.toml", environ={key: value})


def test_officer_ids_in_the_file_must_be_strings(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        (ROOT / "config.toml").read_text().replace("admins = []", "admins = [123456789]")
    )
    with pytest.raises(ConfigError, match=r"officers\.admins.*in quotes"):
        config_mod.load(path, environ={})


async def test_officer_tools_are_in_the_menu_of_officers_only(core):
    citizen = telegram(core, "555")
    await citizen.say("/menu")
    assert citizen.labels and not any(TOOLS in label for label in citizen.labels)
    await citizen.say("/help")
    assert TOOLS not in citizen.text
    # An officer from config.toml who never wrote before sees the tools on the first message.
    first_time = telegram(core, HOAN_KIEM)
    await first_time.say("/start")
    assert any(TOOLS in label for label in first_time.labels)
    assert not any(e.payload == officer.OPEN for e in menu.entries(None, core.menus)), (
        "the apology menu knows no user: officer tools stay hidden"
    )


async def test_officer_menu_offers_only_the_actions_that_are_built(core):
    # Only this module's own entries: other features' entries are their tests' business.
    everyone = OfficerEntry("ofc:everyone", "Send to everyone", visible=lambda o: o.is_admin)
    core.menus = replace(core.menus, officer=(officer.UNITS_ENTRY, everyone, officer.AUDIT_ENTRY))
    chat = telegram(core, HOAN_KIEM)
    await chat.say("/menu")
    await chat.press(TOOLS)
    assert chat.labels == [
        "🏘 Xã, phường của tôi",
        "📜 Nhật ký thao tác của cán bộ",
        "🏠 Danh mục chính",
    ]
    assert "1 xã, phường" in chat.text
    admin = telegram(core, ADMIN)
    await admin.say("/officer")
    assert "Send to everyone" in admin.labels
    assert "mọi xã, phường" in admin.text


async def test_my_units_lists_the_units_the_officer_serves(core):
    chat = telegram(core, BA_DINH)
    await chat.say("/officer")
    await chat.press("của tôi")
    assert "Phường Ba Đình" in chat.text and "Phường Cửa Nam" in chat.text
    assert "Hoàn Kiếm" not in chat.text
    assert {"📜 Nhật ký: Phường Ba Đình", "📜 Nhật ký: Phường Cửa Nam"} <= set(chat.labels)
    await chat.press("Cửa Nam")
    assert "Việc cán bộ đã làm gần đây ở Phường Cửa Nam" in chat.text
    assert chat.replies[0].edit


async def test_officer_of_one_unit_is_refused_another_units_log_and_it_is_logged(core, caplog):
    chat = telegram(core, HOAN_KIEM)
    await chat.say("/officer")
    before = len(await audit_rows(core))
    with caplog.at_level(logging.WARNING, logger="bot.officers.roles"):
        await chat.tap("ofc:audit:ba-dinh")
    assert "không phải cán bộ của xã, phường đó" in chat.text
    assert any(TOOLS in label for label in chat.labels), "a way on: the menu"
    assert "out_of_scope" in caplog.text and "unit=ba-dinh" in caplog.text
    assert len(await audit_rows(core)) == before
    await chat.tap("ofc:audit:hoan-kiem")
    assert "Phường Hoàn Kiếm" in chat.text and "không phải" not in chat.text


async def test_citizen_is_refused_every_forged_officer_payload_and_command(core, caplog):
    citizen = telegram(core, "555")
    await citizen.say("/menu")
    before = len(await audit_rows(core))
    forged = [
        "ofc",
        "ofc:units",
        "ofc:audit",
        "ofc:audit:hoan-kiem",
        "ofc:audit:+84912345678",
        "ofc:nothing",
    ]
    with caplog.at_level(logging.WARNING, logger="bot.officers.roles"):
        for payload in forged:
            await citizen.tap(payload)
            assert "chỉ dành cho cán bộ" in citizen.text, payload
            assert citizen.buttons and not any(TOOLS in label for label in citizen.labels)
        await citizen.say("/officer")
        assert "chỉ dành cho cán bộ" in citizen.text
    refusals = [r for r in caplog.records if "not_officer" in r.getMessage()]
    assert len(refusals) == len(forged) + 1
    assert "84912345678" not in caplog.text, "typed or forged text never reaches the log"
    assert len(await audit_rows(core)) == before


async def test_admin_may_act_for_every_unit(core):
    admin = telegram(core, ADMIN)
    for unit_id, name in [("ba-dinh", "Phường Ba Đình"), ("soc-son", "Xã Sóc Sơn")]:
        await admin.tap(f"ofc:audit:{unit_id}")
        assert name in admin.text and "không phải" not in admin.text
    await admin.tap("ofc:audit:atlantis")
    assert "không biết xã, phường đó" in admin.text
    assert admin.buttons


async def test_audit_log_shows_the_latest_actions_of_my_units_only(core, clock):
    async with core.db.transaction() as session:
        for n, unit_id in enumerate(["hoan-kiem", "ba-dinh", "hoan-kiem"]):
            await audit.record(
                session,
                "telegram:100",
                "session.cancel",
                f"session:{n}",
                {"status": "open"},
                {"status": "cancelled"},
                unit_id=unit_id,
                at=clock.now() + timedelta(minutes=n),
            )
    chat = telegram(core, HOAN_KIEM)
    await chat.say("/officer")
    await chat.press("Nhật ký")
    assert "session:0" in chat.text and "session:2" in chat.text
    assert "session:1" not in chat.text
    assert chat.text.index("session:2") < chat.text.index("session:0"), "newest first"
    admin = telegram(core, ADMIN)
    await admin.say("/officer")
    await admin.press("Nhật ký")
    assert "session:1" in admin.text and "Cấp quyền cán bộ từ tệp cấu hình" in admin.text


async def test_a_removed_officer_loses_the_tools_at_the_next_message(core, clock):
    chat = telegram(core, HOAN_KIEM)
    await chat.say("/menu")
    assert any(TOOLS in label for label in chat.labels)
    async with core.db.transaction() as session:
        assert await manage.remove(
            session, channel="telegram", external_id=HOAN_KIEM, actor="cli:test", now=clock.now()
        )
    await chat.tap("ofc:units")
    assert "chỉ dành cho cán bộ" in chat.text
    assert not any(TOOLS in label for label in chat.labels)


async def test_the_audit_log_refuses_a_citizens_phone_or_name(core):
    async with core.db.transaction() as session:
        with pytest.raises(audit.PersonalDataInAudit):
            await audit.record(
                session,
                "telegram:100",
                "booking.cancel",
                "booking:7",
                {"visitor": "0912345678"},
                None,
            )
        with pytest.raises(audit.PersonalDataInAudit):
            await audit.record(
                session,
                "telegram:100",
                "booking.cancel",
                "booking:7",
                None,
                {"name": "Nguyễn Văn A"},
            )
    async with core.db.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(AuditEntry))
    assert count == 3, "only the bootstrap entries"


def test_scope_rules_admin_everywhere_officer_in_own_units_citizen_nowhere():
    admin = Officer(person_id=1, role="admin", units=[])
    ward = Officer(person_id=2, role="officer", units=[])
    ward.units.append(officer_unit("hoan-kiem"))
    assert can_act_on_unit(admin, "soc-son")
    assert can_act_on_unit(ward, "hoan-kiem") and not can_act_on_unit(ward, "ba-dinh")
    assert not can_act_on_unit(None, "hoan-kiem")


def officer_unit(unit_id: str):
    from bot.db.officer_models import OfficerUnit

    return OfficerUnit(unit_id=unit_id)
