"""Every `trolyso` error is one line on stderr and exit code 2: unwritable files, bad dates,
bad numbers, wrong arguments. Counts read as English plurals; posters land in var/posters/."""

from __future__ import annotations

import pytest

from bot.cli import main
from tests.conftest import ROOT


@pytest.fixture
def config_file(tmp_path):
    """The shipped config, pointed at the shipped content and catalogs, in a fresh folder."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('content = "content"', f'content = "{ROOT / "content"}"')
    text = text.replace('locales = "locales"', f'locales = "{ROOT / "locales"}"')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as e:  # argparse's own exits
        return int(e.code or 0)


QR = ["points", "qr", "hoan-kiem", "--bot-username", "@TroLySoBot"]


def test_a_poster_that_cannot_be_written_is_one_line_exit_2(config_file, capsys):
    code = exit_code(["--config", str(config_file), *QR, "--out", "/nonexistent/x.png"])
    assert code == 2
    assert "/nonexistent/x.png" in one_line_error(capsys)


def test_posters_go_to_var_posters_by_default(config_file, capsys):
    assert main(["--config", str(config_file), *QR]) == 0
    poster = config_file.parent / "var" / "posters" / "poster-hoan-kiem.png"
    assert poster.read_bytes().startswith(b"\x89PNG")
    assert str(poster) in capsys.readouterr().out


def test_var_is_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "var/" in ignored


@pytest.mark.parametrize(
    "argv, words",
    [
        (["report", "questions", "--since", "2026-13-40"], "not a date (YYYY-MM-DD)"),
        (["report", "questions", "--since", "yesterday"], "not a date (YYYY-MM-DD)"),
        (["report", "questions", "--limit", "-3"], "must be 1 or more"),
        (["report", "questions", "--limit", "ten"], "not a whole number"),
        (["frobnicate"], "invalid choice"),
        (["run", "--channel", "fax"], "invalid choice"),
    ],
)
def test_bad_arguments_are_one_line_exit_2(config_file, capsys, argv, words):
    assert exit_code(["--config", str(config_file), *argv]) == 2
    err = one_line_error(capsys)
    assert words in err and "fromisoformat" not in err
    assert "--help" in err


def test_points_list_counts_in_proper_plural(config_file, capsys):
    assert main(["--config", str(config_file), "points", "list"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert " points in " in last and last.endswith(" units"), last
