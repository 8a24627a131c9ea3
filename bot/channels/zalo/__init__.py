"""The Zalo Official Account (OA) channel.

- settings.py: every Zalo setting, with the unconfirmed facts as settings (not constants);
- signature.py: the `X-ZEvent-Signature` check of webhook requests;
- events.py: a webhook event → `Incoming` (or "unfollowed", or nothing);
- payloads.py: how a button's payload travels as the text Zalo sends back on a press;
- webhook.py: the aiohttp handler (guards, the durable inbox keyed on `message.msg_id`,
  answer first, work after);
- client.py: the OA API over HTTP (consultation messages, uploads, ZNS);
- errors.py: Zalo's error codes as the send errors the outbox understands;
- journal.py: error codes kept for `trolyso zalo status` (never Zalo's text);
- render.py: a `Reply` → the OA API calls that show it;
- oauth.py, tokens.py: PKCE authorisation, and access/refresh tokens that cannot be lost;
- window.py: the reply window and the night ban, as a pure function (the send policy's core);
- reach.py: what that policy reads from the database (messages sent since, a booking's phone);
- policy.py: the channel's send policy for the outbox (window.py + reach.py);
- capabilities.py: what Zalo can show, for the core's reply renderer;
- runtime.py: the channel assembled (webhook → core → replies; the outbox's `send`/`send_as`);
- serve.py: the channel running in `trolyso run` (beside Telegram, or alone);
- cli.py: `trolyso zalo authorize` and `trolyso zalo status`.

Facts and their sources: ../shared/facts/channels.md, section 4 ("Corrections" first).
"""
