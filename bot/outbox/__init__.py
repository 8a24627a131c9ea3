"""The outbox: every message to someone who did not just write to the bot (reminders,
waitlist promotions, schedule changes, broadcasts) is an `outbox` row, sent by the sweeper.

- bot/outbox/store.py — a row's life in the database (claim, sent, failed, put back);
- bot/outbox/sweeper.py — `sweep_once(core)` and the periodic job that runs it;
  bot/outbox/delivery.py — sending one claimed batch;
- bot/outbox/limiter.py — per-channel rate limits; bot/outbox/leader.py — one sweeping
  process on PostgreSQL;
- bot/outbox/channels.py — channels register to send; bot/outbox/runtime.py — templates and
  hooks for other features; bot/outbox/render.py — a row's replies;
  bot/outbox/reach.py — people the messenger cannot reach.
"""
