"""`trolyso points list` and `trolyso points qr`: the poster PNG and the bot username it needs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from bot import config as config_mod
from bot import i18n
from bot.channels import profiles
from bot.cli import main
from bot.points import qr
from bot.points.loader import load_places
from bot.points.qr import HEIGHT, WIDTH, render_poster, start_param
from tests.conftest import ROOT


@pytest.fixture
def config_file(tmp_path):
    """The shipped config, pointed at the shipped content and catalogs."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('content = "content"', f'content = "{ROOT / "content"}"')
    text = text.replace('locales = "locales"', f'locales = "{ROOT / "locales"}"')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_deep_link_opens_the_point_in_the_bot(config_file):
    cfg = profiles.with_bot_username(config_mod.load(config_file, environ={}), "TroLySoBot")
    point = load_places(ROOT / "content").points["hoan-kiem"]
    assert [link for _p, link in profiles.links(cfg, start_param(point))] == [
        "https://t.me/TroLySoBot?start=p_hoan-kiem"
    ]


def test_qr_command_writes_a_png_poster(config_file, tmp_path, capsys):
    out = tmp_path / "poster.png"
    code = main(
        [
            "--config",
            str(config_file),
            "points",
            "qr",
            "hoan-kiem",
            "--bot-username",
            "@TroLySoBot",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert "https://t.me/TroLySoBot?start=p_hoan-kiem" in capsys.readouterr().out
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    assert image.size == (WIDTH, HEIGHT)
    assert 20_000 < len(data) < 2_000_000


def test_qr_command_takes_the_username_from_the_config(config_file, tmp_path):
    text = config_file.read_text(encoding="utf-8").replace(
        'bot_username = ""', 'bot_username = "TroLySoBot"'
    )
    config_file.write_text(text, encoding="utf-8")
    out = tmp_path / "p.png"
    assert main(["--config", str(config_file), "points", "qr", "soc-son", "--out", str(out)]) == 0
    assert out.exists()


def test_qr_command_without_a_username_names_the_config_key(config_file, tmp_path, capsys):
    out = tmp_path / "p.png"
    assert (
        main(["--config", str(config_file), "points", "qr", "hoan-kiem", "--out", str(out)]) == 2
    )
    err = capsys.readouterr().err
    assert "channels.telegram.bot_username" in err and "--bot-username" in err
    assert not out.exists()


def test_qr_command_refuses_a_malformed_username(config_file, tmp_path, capsys):
    assert (
        main(
            [
                "--config",
                str(config_file),
                "points",
                "qr",
                "hoan-kiem",
                "--bot-username",
                "not a bot",
                "--out",
                str(tmp_path / "p.png"),
            ]
        )
        == 2
    )
    assert "--bot-username must be" in capsys.readouterr().err


def test_qr_command_for_an_unknown_point_says_how_to_find_ids(config_file, capsys):
    assert (
        main(
            ["--config", str(config_file), "points", "qr", "nope", "--bot-username", "TroLySoBot"]
        )
        == 2
    )
    assert "trolyso points list" in capsys.readouterr().err


def test_points_list_shows_every_point_and_marks_samples(config_file, capsys):
    assert main(["--config", str(config_file), "points", "list"]) == 0
    out = capsys.readouterr().out
    assert "hoan-kiem-2" in out and "soc-son" in out and "[sample]" in out
    assert "11 points in 10 of 126 units" in out


def test_poster_uses_a_font_with_vietnamese_letters_when_one_is_installed():
    places = load_places(ROOT / "content")
    point = places.points["hoan-kiem"]
    i18n.load_catalogs(ROOT / "locales")
    with i18n.use_locale("vi"):
        poster = render_poster(
            point,
            places.unit_of(point),
            [qr.Code("https://t.me/TroLySoBot?start=p_hoan-kiem", "")],
        )
    assert poster.links[0].endswith("?start=p_hoan-kiem")
    installed = any(Path(regular).exists() for regular, _bold in qr.FONT_CANDIDATES)
    assert poster.font_ok == installed


def test_qr_command_warns_when_no_font_has_vietnamese_letters(
    config_file, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(qr, "FONT_CANDIDATES", (("/nonexistent/a.ttf", "/nonexistent/b.ttf"),))
    out = tmp_path / "p.png"
    assert (
        main(
            [
                "--config",
                str(config_file),
                "points",
                "qr",
                "hoan-kiem",
                "--bot-username",
                "TroLySoBot",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "fonts-dejavu-core" in capsys.readouterr().err
    assert out.read_bytes().startswith(b"\x89PNG")


def test_content_check_reports_broken_points_files(config_file, tmp_path, capsys):
    import shutil

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    assert main(["--config", str(config_file), "content", "check", "--content", str(content)]) == 0
    path = content / "points" / "soc-son.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('end = "11:00"', 'end = "07:00"'),
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["--config", str(config_file), "content", "check", "--content", str(content)]) == 1
    assert (
        "points/soc-son.toml: point[soc-son].session[1].end: must be after start 08:00"
        in capsys.readouterr().out
    )


def test_the_poster_says_the_hours_and_the_phone_line_when_the_file_has_one(tmp_path):
    import shutil
    from dataclasses import replace

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    path = content / "points" / "hoan-kiem.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("accessibility =", 'phone = "024 3825 1234"\naccessibility =', 1))
    places = load_places(content)
    point = places.points["hoan-kiem"]
    assert point.phone == "024 3825 1234"
    assert load_places(ROOT / "content").points["hoan-kiem"].phone == "", "never invented"
    i18n.load_catalogs(ROOT / "locales")
    with i18n.use_locale("vi"):
        lines = qr.session_lines(point)
        code = qr.Code("https://t.me/TroLySoBot?start=p_hoan-kiem", "Mở Telegram, rồi quét mã")
        with_phone = render_poster(point, places.unit_of(point), [code])
        without = render_poster(replace(point, phone=""), places.unit_of(point), [code])
        two = render_poster(point, places.unit_of(point), [code, code])
    assert lines and all(":" in line and "–" in line for line in lines)
    assert any(line.startswith("Thứ") for line in lines), lines
    assert with_phone.png != without.png and two.png != with_phone.png
    assert two.links == (code.link, code.link)


def test_a_malformed_phone_is_a_content_problem(tmp_path):
    import shutil

    from bot.errors import ContentError

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    path = content / "points" / "hoan-kiem.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("accessibility =", 'phone = "call me"\naccessibility =', 1))
    with pytest.raises(ContentError, match="phone"):
        load_places(content)
