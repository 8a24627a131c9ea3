"""Zalo tokens that cannot be lost: PKCE authorisation, refresh ahead of expiry by one
process at a time, OAuth errors that never overwrite a working token."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channels.zalo import journal, oauth
from bot.channels.zalo.errors import TokenUnusable
from bot.channels.zalo.oauth import OAuthClient, OAuthRefused
from bot.channels.zalo.tokens import TokenStore
from bot.db.channel_models import ChannelCredential
from tests.zalo_harness import zalo_stack

pytestmark = pytest.mark.both_databases


async def _row(z):
    async with z.db.connection() as conn:
        return (await conn.execute(select(ChannelCredential.__table__))).one()


def test_pkce_challenge_is_s256_base64url_without_padding():
    # RFC 7636 appendix B's example.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert oauth.challenge_of(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    verifier, challenge = oauth.pkce_pair()
    assert "=" not in verifier + challenge and len(verifier) == 43


async def test_authorising_stores_both_tokens_with_the_expiry_zalo_gave(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        verifier, challenge = oauth.pkce_pair()
        url = oauth.permission_url(z.settings, challenge, "st")
        assert url.startswith(z.fake.url + "/v4/oa/permission?app_id=")
        assert "redirect_uri=https%3A%2F%2Fbot.example.vn" in url
        await z.tokens.begin_authorisation(verifier, "st")
        await z.tokens.finish_authorisation(z.fake.grant(url))
        row = await _row(z)
        assert row.access_token in z.fake.access_tokens
        assert row.refresh_token in z.fake.refresh_tokens
        assert row.access_expires_at == clock.now() + timedelta(seconds=90000)
        assert row.pending_verifier is None
        [call] = z.fake.paths("/v4/oa/access_token")
        assert call.headers["secret_key"] == z.settings.app_secret_key
        assert call.form["grant_type"] == "authorization_code"


async def test_a_code_with_the_wrong_verifier_stores_nothing(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        _, challenge = oauth.pkce_pair()
        await z.tokens.begin_authorisation("another-verifier-entirely-0000000000000000", "st")
        code = z.fake.grant(oauth.permission_url(z.settings, challenge, "st"))
        with pytest.raises(OAuthRefused):
            await z.tokens.finish_authorisation(code)
        assert (await z.tokens.state()).authorised is False


async def test_the_token_is_refreshed_ahead_of_expiry_and_the_old_refresh_token_retired(
    db_url, clock
):
    async with zalo_stack(db_url, clock) as z:
        await z.authorise()
        first = await _row(z)
        assert await z.tokens.access_token() == first.access_token  # far from expiry
        clock.advance(hours=24, minutes=30)  # 30 minutes left, under the hour ahead
        fresh = await z.tokens.access_token()
        row = await _row(z)
        assert fresh == row.access_token != first.access_token
        assert row.refresh_token != first.refresh_token
        assert first.refresh_token in z.fake.spent_refresh_tokens
        assert row.generation == first.generation + 1


async def test_an_oauth_error_with_http_200_never_overwrites_a_working_token(
    db_url, clock, caplog
):
    async with zalo_stack(db_url, clock) as z:
        await z.authorise()
        before = await _row(z)
        clock.advance(hours=24, minutes=30)
        z.fake.oauth_error = {"error": -14020, "error_name": "Invalid refresh token"}
        with caplog.at_level("ERROR"):
            token = await z.tokens.access_token()  # still valid for 30 minutes: used
        assert token == before.access_token
        after = await _row(z)
        assert (after.access_token, after.refresh_token) == (
            before.access_token,
            before.refresh_token,
        )
        assert after.refresh_refused_at == clock.now()
        assert "trolyso zalo authorize" in caplog.text
        assert before.refresh_token not in caplog.text and before.access_token not in caplog.text
        [(_, source, code)] = await journal.latest(z.db)
        assert (source, code) == ("refresh", "-14020")


async def test_a_dead_refresh_token_after_expiry_says_how_to_fix_it(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await z.authorise()
        z.fake.refresh_tokens.clear()  # Zalo no longer knows it (expired, or spent elsewhere)
        clock.advance(hours=26)
        with pytest.raises(TokenUnusable) as e:
            await z.tokens.access_token()
        assert "trolyso zalo authorize" in str(e.value)
        assert (await z.tokens.state()).refresh_refused_at is not None
        # A new authorisation clears it.
        await z.authorise()
        state = await z.tokens.state()
        assert state.refresh_refused_at is None and state.authorised


async def test_two_processes_refreshing_at_once_spend_the_refresh_token_once(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await z.authorise()
        clock.advance(hours=25, seconds=1)  # expired: both must wait for a new one
        other = TokenStore(z.db, OAuthClient(z.session, z.settings), z.settings, clock)
        a, b = await asyncio.gather(z.tokens.access_token(), other.access_token())
        assert a == b == (await _row(z)).access_token
        refreshes = [
            c
            for c in z.fake.paths("/v4/oa/access_token")
            if c.form["grant_type"] == "refresh_token"
        ]
        assert len(refreshes) == 1
        assert all(c.error == 0 for c in refreshes)


async def test_after_a_refused_token_another_process_reuses_the_new_one(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await z.authorise()
        old = (await _row(z)).access_token
        new = await z.tokens.refreshed(old)
        other = TokenStore(z.db, OAuthClient(z.session, z.settings), z.settings, clock)
        assert await other.refreshed(old) == new  # no second refresh
        assert len(z.fake.paths("/v4/oa/access_token")) == 2


async def test_an_answer_without_tokens_is_a_failure(db_url, clock):
    async with zalo_stack(db_url, clock) as z:
        await z.authorise()
        before = await _row(z)
        z.fake.oauth_error = {"access_token": "", "refresh_token": None, "expires_in": "90000"}
        with pytest.raises(TokenUnusable):
            await z.tokens.refreshed(before.access_token)
        after = await _row(z)
        assert (after.access_token, after.refresh_token) == (
            before.access_token,
            before.refresh_token,
        )


def test_parse_grant_reads_expires_in_as_a_string_and_refuses_errors():
    good = oauth.parse_grant(200, b'{"access_token":"a","refresh_token":"r","expires_in":"3600"}')
    assert good.expires_in == 3600
    for body in (
        b'{"error":-14002,"error_name":"x","access_token":"a","refresh_token":"r"}',
        b'{"error_name":"Invalid","error_description":"expired"}',
        b'{"access_token":"a","refresh_token":"r"}',
    ):
        with pytest.raises(OAuthRefused):
            oauth.parse_grant(200, body)
    with pytest.raises(oauth.OAuthUnavailable):
        oauth.parse_grant(502, b"<html>bad gateway</html>")
    assert "access_token" not in repr(good) and "refresh_token=" not in repr(good)
