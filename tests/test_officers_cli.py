"""`trolyso officers add|remove|list` and `trolyso report audit`: clear messages, exit codes,
nothing changed by a wrong command, every change in the audit report."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cfg_path(db_url, tmp_path) -> str:
    text = (ROOT / "config.toml").read_text()
    text = text.replace('url = "sqlite+aiosqlite:///var/trolyso.db"', f'url = "{db_url}"')
    text = text.replace('content = "content"', f'content = "{ROOT / "content"}"')
    text = text.replace('locales = "locales"', f'locales = "{ROOT / "locales"}"')
    path = tmp_path / "config.toml"
    path.write_text(text)
    return str(path)


def run(cfg_path: str, capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["--config", cfg_path, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_and_remove_an_officer(cfg_path, capsys):
    code, out, _ = run(
        cfg_path,
        capsys,
        "officers",
        "add",
        "123456789",
        "--unit",
        "hoan-kiem",
        "--unit",
        "cua-nam",
    )
    assert code == 0 and "telegram:123456789 is now officer for cua-nam, hoan-kiem" in out
    code, out, _ = run(cfg_path, capsys, "officers", "add", "555", "--role", "admin")
    assert code == 0 and "admin for every unit" in out
    code, out, _ = run(cfg_path, capsys, "officers", "list")
    assert code == 0
    assert "telegram:555" in out and "every unit" in out
    assert "telegram:123456789" in out and "cua-nam, hoan-kiem" in out
    code, out, _ = run(cfg_path, capsys, "officers", "remove", "123456789")
    assert code == 0 and "no longer an officer" in out
    code, out, _ = run(cfg_path, capsys, "officers", "list")
    assert "123456789" not in out and "telegram:555" in out
    assert out.strip().endswith("1 officer or admin"), "one, not '1 officers'"


def test_adding_again_sets_exactly_the_role_and_units_given(cfg_path, capsys):
    run(cfg_path, capsys, "officers", "add", "123", "--unit", "hoan-kiem", "--unit", "lang")
    code, out, _ = run(cfg_path, capsys, "officers", "add", "123", "--unit", "ba-dinh")
    assert code == 0 and "now officer for ba-dinh" in out
    code, out, _ = run(cfg_path, capsys, "officers", "add", "123", "--unit", "ba-dinh")
    assert code == 0 and "already officer for ba-dinh" in out
    _, out, _ = run(cfg_path, capsys, "officers", "list")
    assert "ba-dinh" in out and "hoan-kiem" not in out and "lang" not in out


def test_an_unknown_unit_id_exits_2_with_a_suggestion_and_changes_nothing(cfg_path, capsys):
    code, _, err = run(cfg_path, capsys, "officers", "add", "123", "--unit", "hoan-kim")
    assert code == 2
    assert "unknown unit id hoan-kim (did you mean hoan-kiem?)" in err
    assert "content/places/units.toml" in err and "Traceback" not in err
    _, out, _ = run(cfg_path, capsys, "officers", "list")
    assert "no officers yet" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["officers", "add", "123"], "needs at least one --unit"),
        (["officers", "add", "@ward_officer", "--unit", "hoan-kiem"], "is not a user id"),
        (["officers", "remove", "999"], "telegram:999 is not an officer"),
    ],
)
def test_wrong_officer_commands_exit_2_with_a_clear_message(cfg_path, capsys, argv, message):
    code, _, err = run(cfg_path, capsys, *argv)
    assert code == 2 and message in err


def test_role_must_be_officer_or_admin(cfg_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["--config", cfg_path, "officers", "add", "1", "--role", "king"])
    assert e.value.code == 2 and "usage:" in capsys.readouterr().err


def test_audit_report_prints_every_change_with_who_and_before_after(cfg_path, capsys):
    run(cfg_path, capsys, "officers", "add", "123", "--unit", "hoan-kiem")
    run(cfg_path, capsys, "officers", "add", "123", "--role", "admin")
    run(cfg_path, capsys, "officers", "remove", "123")
    code, out, _ = run(cfg_path, capsys, "report", "audit")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 3
    assert "cli:" in lines[0] and "officer.add" in lines[0] and "officer:telegram:123" in lines[0]
    assert '"role":"officer"' in lines[1] and '"role":"admin"' in lines[1]
    assert "officer.remove" in lines[2]
    code, out, _ = run(cfg_path, capsys, "report", "audit", "--csv", "--since", "2020-01-01")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["action"] for r in rows] == [
        "officer.add",
        "officer.add",
        "officer.remove",
    ]
    assert rows[0]["before"] == "" and '"units":["hoan-kiem"]' in rows[0]["after"]
    assert rows[0]["at"].endswith("+07:00"), "times are Hanoi time"
    code, out, _ = run(cfg_path, capsys, "report", "audit", "--since", "2999-01-01")
    assert code == 0 and "no audit entries since 2999-01-01" in out
