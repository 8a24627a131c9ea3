"""Officer accounts are named `CHANNEL:ID` in config.toml and on the command line (a bare
number is a Telegram user id, the old form); a wrong one stops with one line naming the key or
the argument (exit 2), and ids stay strings however long they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import app
from bot import config as config_mod
from bot.cli import main
from bot.errors import ConfigError
from bot.officers.accounts import BadAccount, parse_account
from bot.officers.bootstrap import grants_from_config
from bot.services.actor import actor_for_identity
from tests.test_officers_cli import cfg_path, run  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parent.parent
ZALO = "61424948230000000001234"  # 23 digits: more than a 64-bit integer holds


@pytest.mark.parametrize(
    ("typed", "account"),
    [
        ("123456789", ("telegram", "123456789")),
        ("telegram:123456789", ("telegram", "123456789")),
        (f"zalo:{ZALO}", ("zalo", ZALO)),
        ("terminal:lan", ("terminal", "lan")),
    ],
)
def test_accounts_are_channel_and_id_strings(typed, account):
    assert parse_account(typed) == account


@pytest.mark.parametrize("typed", ["@someone", "viber:123", "telegram:abc", "zalo:", "0123"])
def test_a_wrong_account_says_the_form(typed):
    with pytest.raises(BadAccount, match="CHANNEL:ID|user id|unknown channel"):
        parse_account(typed)


def test_config_takes_channel_accounts_and_the_old_bare_form():
    env = {
        "TROLYSO_OFFICERS_ADMINS": f"telegram:111,zalo:{ZALO},222",
        "TROLYSO_OFFICERS_OFFICERS": f"zalo:{ZALO}:hoan-kiem,cua-nam;333:ba-dinh",
    }
    cfg = config_mod.load(ROOT / "config.toml", environ=env)
    grants = {(g.channel, g.external_id): (g.role, g.unit_ids) for g in grants_from_config(cfg)}
    assert grants == {
        ("telegram", "111"): ("admin", set()),
        ("zalo", ZALO): ("admin", {"hoan-kiem", "cua-nam"}),
        ("telegram", "222"): ("admin", set()),
        ("telegram", "333"): ("officer", {"ba-dinh"}),
    }


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("TROLYSO_OFFICERS_ADMINS", "viber:111"),
        ("TROLYSO_OFFICERS_OFFICERS", "zalo:abc:hoan-kiem"),
        ("TROLYSO_OFFICERS_OFFICERS", f"zalo:{ZALO}"),
    ],
)
def test_a_wrong_config_account_names_the_key(key, value):
    name = key.removeprefix("TROLYSO_").lower().replace("_", ".", 1)
    with pytest.raises(ConfigError, match=name.replace(".", r"\.") + ".*CHANNEL:ID"):
        config_mod.load(ROOT / "config.toml", environ={key: value})


def test_a_wrong_config_account_stops_the_command_with_exit_2(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_text(
        (ROOT / "config.toml").read_text().replace("admins = []", 'admins = ["viber:1"]')
    )
    assert main(["--config", str(path), "officers", "list"]) == 2
    err = capsys.readouterr().err
    assert "officers.admins" in err and len(err.strip().splitlines()) == 1


async def test_a_zalo_officer_from_config_is_granted_at_start(config, clock):
    cfg = config.replace(officers__officers=[f"zalo:{ZALO}:hoan-kiem"])
    core = await app.start(cfg, clock=clock)
    try:
        async with core.db.transaction() as session:
            actor = await actor_for_identity(session, "zalo", ZALO)
        assert actor.can_act_on_unit("hoan-kiem") and actor.label == f"zalo:{ZALO}"
    finally:
        await core.close()


def test_the_command_line_adds_a_zalo_officer(cfg_path, capsys):  # noqa: F811
    code, out, _ = run(cfg_path, capsys, "officers", "add", f"zalo:{ZALO}", "--unit", "hoan-kiem")
    assert code == 0 and f"zalo:{ZALO} is now officer for hoan-kiem" in out
    code, out, _ = run(cfg_path, capsys, "officers", "list")
    assert f"zalo:{ZALO}" in out
    code, _, err = run(cfg_path, capsys, "officers", "add", "viber:1", "--unit", "hoan-kiem")
    assert code == 2 and "unknown channel" in err
    code, _, err = run(
        cfg_path, capsys, "officers", "add", "telegram:1", "--channel", "zalo", "--unit", "lang"
    )
    assert code == 2 and "--channel says zalo" in err
