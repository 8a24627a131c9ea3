"""Broadcasts: officers' messages to many citizens (subscribers of a ward, visitors booked at a
point or a session, everyone), queued through the outbox one row per recipient, with progress
and a final report for the officer; citizens' news subscriptions and opt-outs.
Handlers: handlers/broadcasts.py. Numbers for officers: bot/stats/."""
