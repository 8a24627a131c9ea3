"""The migrations have exactly one head, so `trolyso db upgrade` reports one revision and a new
migration knows its parent."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from bot.cli import main
from bot.db import alembic_config
from tests.conftest import ROOT


def test_there_is_exactly_one_alembic_head():
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, (
        f"the migrations have {len(heads)} heads ({', '.join(sorted(heads))}): add a merge "
        "revision whose down_revision is all of them (like "
        "bot/migrations/versions/0011_merge.py), or set your new migration's down_revision "
        "to the current head"
    )


def test_db_upgrade_reports_one_revision(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text((ROOT / "config.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    out = capsys.readouterr().out.strip()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert out == f"database schema at revision {head}", out
