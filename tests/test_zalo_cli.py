"""`trolyso zalo authorize` and `trolyso zalo status` against the fake Zalo server."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest

from bot.cli import main
from tests.fake_zalo import APP_ID, APP_SECRET, OA_SECRET, FakeZalo

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cfg_path(db_url, tmp_path) -> str:
    text = (ROOT / "config.toml").read_text()
    text = text.replace('url = "sqlite+aiosqlite:///var/trolyso.db"', f'url = "{db_url}"')
    path = tmp_path / "config.toml"
    path.write_text(text)
    return str(path)


@pytest.fixture
async def fake(clock, monkeypatch):
    from bot.clock import Clock

    fake = await FakeZalo(Clock()).start()
    for key, value in {
        "APP_ID": APP_ID,
        "APP_SECRET_KEY": APP_SECRET,
        "OA_SECRET_KEY": OA_SECRET,
        "REDIRECT_URI": "https://bot.example.vn/zalo/authorised",
        "OAUTH_BASE_URL": fake.url,
        "API_BASE_URL": fake.url,
    }.items():
        monkeypatch.setenv("TROLYSO_CHANNELS_ZALO_" + key, value)
    yield fake
    await fake.stop()


async def run(cfg_path, capsys, *argv, stdin: str = "") -> tuple[int, str, str]:
    import sys

    sys.stdin = io.StringIO(stdin)
    try:
        code = await asyncio.to_thread(main, ["--config", cfg_path, "zalo", *argv])
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    return code, out, err


async def test_authorise_by_pasting_the_redirect_address_then_status(
    cfg_path, capsys, fake, monkeypatch
):
    code, out, _ = await run(cfg_path, capsys, "status")
    assert code == 1 and "authorised: no" in out and "trolyso zalo authorize" in out

    code, out, _ = await run(cfg_path, capsys, "authorize")  # nothing pasted: come back later
    assert code == 0
    [url] = re.findall(r"^http\S+/v4/oa/permission\?\S+$", out, re.M)
    assert "code_challenge=" in url and "--code" in out
    grant = fake.grant(url)
    state = re.search(r"state=([^&\s]+)", url)[1]
    redirect = f"https://bot.example.vn/zalo/authorised?code={grant}&state={state}&oa_id=1"
    code, out, err = await run(cfg_path, capsys, "authorize", "--code", redirect)
    assert (code, err) == (0, "")
    assert out.startswith("Authorised. Access token valid until ")

    monkeypatch.setenv("TROLYSO_CHANNELS_ZALO_ZNS_BASE_URL", fake.url)
    monkeypatch.setenv("TROLYSO_CHANNELS_ZALO_ZNS_TEMPLATES", "reminder=tpl-reminder,notice=tpl-x")
    code, out, _ = await run(cfg_path, capsys, "status")
    assert code == 0
    assert "  reminder: tpl-reminder ENABLE" in out
    assert "  notice: tpl-x not usable (zalo error -1124)" in out
    assert "authorised: yes" in out and "access token expires: " in out
    assert "webhook: last event taken never" in out
    for token in fake.access_tokens:
        assert token not in out


async def test_authorise_at_the_prompt_and_a_refused_code_says_what_to_do(
    cfg_path, capsys, fake, monkeypatch
):
    granted: list[str] = []
    real_grant = fake.grant

    # The operator opens the printed URL while the command waits at its prompt.
    class Prompt(io.StringIO):
        def readline(self, *args):
            out = capsys.readouterr().out
            capsys_out.append(out)
            [url] = re.findall(r"^http\S+$", out, re.M)
            granted.append(real_grant(url))
            return granted[-1] + "\n"

    capsys_out: list[str] = []
    import sys

    monkeypatch.setattr(sys, "stdin", Prompt())
    code = await asyncio.to_thread(main, ["--config", cfg_path, "zalo", "authorize"])
    out, _ = capsys.readouterr()
    assert code == 0 and "Authorised." in out

    code, out, err = await run(cfg_path, capsys, "authorize", "--code", "CODE-wrong")
    assert code == 2
    assert "no authorisation was begun" in err

    await run(cfg_path, capsys, "authorize")
    code, out, err = await run(cfg_path, capsys, "authorize", "--code", "CODE-wrong")
    assert code == 2 and "run `trolyso zalo authorize` again" in err
    code, out, _ = await run(cfg_path, capsys, "status")
    assert "authorize" in out and "-14019" in out  # the refused code is in the last errors


async def test_zalo_commands_name_the_missing_settings(cfg_path, capsys, monkeypatch):
    monkeypatch.delenv("TROLYSO_CHANNELS_ZALO_APP_ID", raising=False)
    code, _, err = await run(cfg_path, capsys, "status")
    assert code == 2 and "channels.zalo.app_id" in err
