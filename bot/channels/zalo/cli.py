"""`trolyso zalo authorize` and `trolyso zalo status`.

`authorize` begins the OA's permission grant (PKCE S256): it prints the permission URL for an
OA admin to open, remembers the verifier in the database, and takes the code Zalo redirects
back with — pasted at the prompt, or later with `--code` (the code, or the whole address the
browser was sent to). `status` shows what an operator needs when Zalo goes quiet: is the bot
authorised, when its tokens expire, whether Zalo refused the refresh token, when the webhook
last took an event, and the last error codes. Exit 1 when the bot cannot send (not authorised,
or the refresh token refused), so a monitor can use it.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from datetime import datetime
from urllib.parse import parse_qs, urlparse

from bot.errors import ConfigError, TrolysoError


class ZaloCommandError(TrolysoError):
    """A `zalo` command could not do what was asked; the message says why and what to do."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    zalo = sub.add_parser("zalo", help="Zalo Official Account: authorise the bot, show status")
    tasks = zalo.add_subparsers(dest="zalo_command", metavar="TASK", parser_class=type(zalo))
    tasks.required = True
    authorize = tasks.add_parser(
        "authorize", help="print the OA permission URL, then store the tokens from its code"
    )
    authorize.add_argument(
        "--code",
        default=None,
        help="the code Zalo sent back (or the whole address the browser was redirected to), "
        "for an authorisation begun earlier",
    )
    authorize.set_defaults(func=cmd_authorize)
    status = tasks.add_parser("status", help="token expiry, webhook health, last errors")
    status.set_defaults(func=cmd_status)


def _settings(cfg):
    from bot.channels.zalo.settings import from_config

    settings = from_config(cfg)
    missing = [
        f"channels.zalo.{name}"
        for name in ("app_id", "app_secret_key", "redirect_uri")
        if not getattr(settings, name)
    ]
    if missing:
        raise ConfigError(
            f"config: {', '.join(missing)} must be set for Zalo (README, Zalo Official Account)"
        )
    return settings


def _code_of(text: str, expected_state: str | None) -> str:
    """The code from what the operator pasted: the code itself, or the redirect address."""
    text = text.strip()
    if "://" not in text and "code=" not in text:
        return text
    query = parse_qs(urlparse(text).query if "://" in text else text)
    code = (query.get("code") or [""])[0]
    states = query.get("state")
    state = states[0] if states else None
    if not code:
        raise ZaloCommandError("that address has no code= in it; paste the whole address")
    if expected_state is not None and state is not None and state != expected_state:
        raise ZaloCommandError(
            "that address belongs to another authorisation (its state differs); "
            "run `trolyso zalo authorize` again"
        )
    return code


async def _with_store(args: argparse.Namespace, work):
    import aiohttp

    from bot.channels.zalo.oauth import OAuthClient
    from bot.channels.zalo.tokens import TokenStore
    from bot.cli import load_config
    from bot.clock import Clock
    from bot.db import Database, resolve_url

    cfg = load_config(args)
    settings = _settings(cfg)
    db = Database(resolve_url(cfg.database.url, cfg.base_dir))
    try:
        await db.upgrade()
        async with aiohttp.ClientSession() as session:
            store = TokenStore(db, OAuthClient(session, settings), settings, Clock())
            return await work(cfg, settings, db, store)
    finally:
        await db.close()


def cmd_authorize(args: argparse.Namespace) -> int:
    from bot.channels.zalo import oauth

    async def work(cfg, settings, db, store) -> int:
        if args.code is None:
            verifier, challenge = oauth.pkce_pair()
            state = secrets.token_urlsafe(12)
            await store.begin_authorisation(verifier, state)
            print("Open this address as an admin of the Official Account and allow access:")
            print(oauth.permission_url(settings, challenge, state))
            print("Then paste the code (or the whole address you were sent to) here:")
            line = sys.stdin.readline()
            if not line.strip():
                print("No code given. When you have it: trolyso zalo authorize --code CODE")
                return 0
            pasted = line
        else:
            pasted = args.code
        pending = await store.pending()
        if pending is None:
            raise ZaloCommandError("no authorisation was begun: run `trolyso zalo authorize`")
        try:
            await store.finish_authorisation(_code_of(pasted, pending[1]))
        except oauth.OAuthError as e:
            raise ZaloCommandError(
                f"{e}; codes last about 10 minutes: run `trolyso zalo authorize` again"
            ) from None
        state_now = await store.state()
        print(f"Authorised. Access token valid until {_when(state_now.access_expires_at, cfg)}.")
        return 0

    return asyncio.run(_with_store(args, work))


def _when(moment: datetime | None, cfg) -> str:
    if moment is None:
        return "unknown"
    return moment.astimezone(cfg.tz).strftime("%Y-%m-%d %H:%M %Z")


async def _templates(settings, store) -> None:
    """Each configured ZNS template and whether Zalo says it can be used."""
    from bot.channels.errors import SendError
    from bot.channels.zalo.client import ZaloClient

    client = ZaloClient(store.oauth.session, settings, store)
    print("ZNS templates:")
    for kind, template_id in sorted(settings.zns_templates.items()):
        try:
            status = await client.template_status(template_id)
        except SendError as e:
            status = f"not usable ({e})"
        print(f"  {kind}: {template_id} {status}")


def cmd_status(args: argparse.Namespace) -> int:
    from bot.channels.zalo import alert, journal
    from bot.channels.zalo.tokens import FIX
    from bot.inbox import last_received

    async def work(cfg, settings, db, store) -> int:
        state = await store.state()
        healthy = state.authorised and state.refresh_refused_at is None
        print(f"authorised: {'yes' if state.authorised else 'no — ' + FIX}")
        if state.authorised:
            print(f"access token expires: {_when(state.access_expires_at, cfg)}")
            print(f"refresh token expires about: {_when(state.refresh_expires_at, cfg)}")
        if state.refresh_refused_at is not None:
            print(
                f"refresh token: REFUSED by Zalo at {_when(state.refresh_refused_at, cfg)} — {FIX}"
            )
            told = await alert.admins_told(db, state.updated_at)
            print(
                f"admins told at {_when(told, cfg)}"
                if told
                else "admins told: no (none has an account on another messenger; see the log)"
            )
        if state.pending_since is not None:
            print(f"authorisation begun at {_when(state.pending_since, cfg)}, not finished")
        last = await last_received(db, "zalo")
        print(f"webhook: last event taken {_when(last, cfg) if last else 'never'}")
        if settings.zns_templates and state.authorised:
            await _templates(settings, store)
        errors = await journal.latest(db)
        print("last errors:" if errors else "last errors: none")
        for at, source, code in errors:
            print(f"  {_when(at, cfg)}  {source:<9} {code}")
        return 0 if healthy else 1

    return asyncio.run(_with_store(args, work))
