"""Config validation and the `trolyso` command line: wrong input names the key or prints usage
and exits 2, never a traceback; the file is never rewritten."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import config as config_mod
from bot.cli import build_parser, load_config, main
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def _write(tmp_path: Path, replace: dict[str, str] | None = None) -> Path:
    text = (ROOT / "config.toml").read_text()
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_shipped_config_is_valid_and_has_hanoi_defaults():
    cfg = config_mod.load(ROOT / "config.toml", environ={})
    assert cfg.bot.default_locale == "vi"
    assert cfg.bot.timezone == "Asia/Ho_Chi_Minh"
    assert cfg.database.url.startswith("sqlite+aiosqlite:///")


def test_environment_overrides_any_key_with_type_conversion(tmp_path):
    env = {"TROLYSO_WEBHOOK_LISTEN_PORT": "9000", "TROLYSO_BOT_DEFAULT_LOCALE": "en"}
    cfg = config_mod.load(_write(tmp_path), environ=env)
    assert cfg.webhook.listen_port == 9000
    assert cfg.bot.default_locale == "en"


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"TROLYSO_BOT_TIMEZONE": "Mars/Olympus"}, "bot.timezone"),
        ({"TROLYSO_WEBHOOK_LISTEN_PORT": "eighty"}, "webhook.listen_port"),
        ({"TROLYSO_WEBHOOK_LISTEN_PORT": "70000"}, "webhook.listen_port"),
        ({"TROLYSO_DATABASE_URL": "mysql://x"}, "database.url"),
        ({"TROLYSO_CHANNELS_TELEGRAM_TOKEN": "not-a-token"}, "channels.telegram.token"),
        ({"TROLYSO_BOT_DEFAULT_LOCALE": "fr"}, "bot.default_locale"),
    ],
)
def test_a_wrong_value_is_refused_naming_the_key(tmp_path, env, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        config_mod.load(_write(tmp_path), environ=env)


def test_secret_values_are_not_echoed_in_errors(tmp_path):
    with pytest.raises(ConfigError) as e:
        config_mod.load(
            _write(tmp_path), environ={"TROLYSO_CHANNELS_TELEGRAM_TOKEN": "s3cret-value"}
        )
    assert "s3cret" not in str(e.value)


def test_missing_and_unknown_keys_are_named(tmp_path):
    with pytest.raises(ConfigError, match=r"bot\.timezone is missing"):
        config_mod.load(_write(tmp_path, {'timezone = "Asia/Ho_Chi_Minh"': ""}), environ={})
    with pytest.raises(ConfigError, match=r"unknown key bot\.colour"):
        config_mod.load(_write(tmp_path, {"[bot]": '[bot]\ncolour = "red"'}), environ={})


def test_broken_toml_is_reported_without_traceback(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text("[bot\n")
    assert main(["--config", str(path), "db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "not valid TOML" in err and "Traceback" not in err


def test_cli_reports_a_bad_config_value_in_one_line_and_exits_2(tmp_path, capsys):
    path = _write(tmp_path, {"idle_timeout_minutes = 60": "idle_timeout_minutes = -5"})
    before = path.read_text()
    assert main(["--config", str(path), "db", "upgrade"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "bot.idle_timeout_minutes" in err
    assert path.read_text() == before, "the config file is never rewritten"


@pytest.mark.parametrize("argv", [["frobnicate"], ["run", "--channel", "fax"], []])
def test_wrong_arguments_print_usage_and_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_version_and_db_upgrade_from_the_command_line(tmp_path):
    path = _write(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TROLYSO_")}
    run = [sys.executable, "-m", "bot", "--config", str(path)]
    version = subprocess.run(
        [sys.executable, "-m", "bot", "--version"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert version.stdout.startswith("trolyso ")
    up = subprocess.run([*run, "db", "upgrade"], capture_output=True, text=True, env=env)
    assert up.returncode == 0, up.stderr
    assert "revision" in up.stdout
    assert (tmp_path / "var" / "trolyso.db").exists(), "SQLite path is relative to the config"


def test_webhook_needs_telegram(tmp_path, capsys):
    assert (
        main(["--config", str(_write(tmp_path)), "run", "--channel", "terminal", "--webhook"]) == 2
    )
    assert "--webhook" in capsys.readouterr().err


def test_every_config_key_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [s.key for s in config_mod.SCHEMA if f"`{s.key}`" not in readme]
    assert not missing, f"document these keys in README.md: {missing}"


def test_every_schema_key_is_read_by_a_typed_section():
    assert sorted(config_mod.typed_keys()) == sorted(s.key for s in config_mod.SCHEMA)
    cfg = config_mod.load(ROOT / "config.toml", environ={})
    assert isinstance(cfg.channels.telegram.per_second, float)
    assert isinstance(cfg.officers.admins, tuple)
    assert cfg.channels.telegram.api_base_url == "https://api.telegram.org/bot"


def test_sections_are_frozen(tmp_path):
    cfg = config_mod.load(_write(tmp_path), environ={})
    with pytest.raises(AttributeError):
        cfg.bot.timezone = "UTC"  # type: ignore[misc]


def test_old_keys_still_work_with_a_line_naming_the_new_key(tmp_path):
    path = _write(
        tmp_path,
        {
            "[channels.telegram]\n": "[old_marker]\n",
            "per_second = 25\n": "",
            "per_chat_per_second = 1\n": "",
            # Keys newer than the old form: in the new table (every key must be there).
            "paid_broadcast = false\n": "",
            "paid_per_second = 950\n": "",
        },
    )
    text = path.read_text()
    # The whole [channels.telegram] table, as an old file had it: [telegram] + rate_limits.
    text = text.replace("[old_marker]", "[telegram]")
    text = text.replace(
        "[rate_limits]\n",
        "[rate_limits]\ntelegram_per_second = 12\ntelegram_per_chat_per_second = 2\n",
    )
    text += "\n[channels.telegram]\npaid_broadcast = false\npaid_per_second = 950\n"
    path.write_text(text)
    cfg = config_mod.load(path, environ={"TROLYSO_TELEGRAM_BOT_USERNAME": "OldNameBot"})
    assert cfg.channels.telegram.per_second == 12.0
    assert cfg.channels.telegram.per_chat_per_second == 2.0
    assert cfg.channels.telegram.bot_username == "OldNameBot"
    said = "\n".join(cfg.deprecations)
    assert "telegram.token in" in said and "name it channels.telegram.token" in said
    assert "rate_limits.telegram_per_second in" in said and "channels.telegram.per_second" in said
    assert "TROLYSO_TELEGRAM_BOT_USERNAME is deprecated" in said
    assert "TROLYSO_CHANNELS_TELEGRAM_BOT_USERNAME" in said


def test_the_new_environment_variable_wins_and_both_forms_in_the_file_are_refused(tmp_path):
    env = {
        "TROLYSO_TELEGRAM_BOT_USERNAME": "OldBot",
        "TROLYSO_CHANNELS_TELEGRAM_BOT_USERNAME": "NewBot",
    }
    assert (
        config_mod.load(_write(tmp_path), environ=env).channels.telegram.bot_username == "NewBot"
    )
    path = _write(tmp_path, {"[rate_limits]\n": "[rate_limits]\ntelegram_per_second = 12\n"})
    with pytest.raises(
        ConfigError,
        match=r"both rate_limits\.telegram_per_second and channels\.telegram\.per_second",
    ):
        config_mod.load(path, environ={})


def test_the_deprecation_is_logged_at_start(tmp_path, caplog, monkeypatch):
    monkeypatch.setenv("TROLYSO_TELEGRAM_POLL_TIMEOUT_SECONDS", "20")
    args = build_parser().parse_args(["--config", str(_write(tmp_path)), "db", "upgrade"])
    with caplog.at_level("WARNING"):
        cfg = load_config(args)
    assert cfg.channels.telegram.poll_timeout_seconds == 20
    assert "TROLYSO_CHANNELS_TELEGRAM_POLL_TIMEOUT_SECONDS" in caplog.text
