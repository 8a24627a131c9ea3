"""Numbers for officers: bookings, attendance and no-shows by support point and ISO week
(bot/stats/bookings.py), guide reading and feedback and unanswered questions (from
bot/content/reports.py), and broadcasts — as a short summary in the bot (handlers/stats.py)
and as CSV (`trolyso report bookings|attendance|broadcasts`, bot/stats/cli.py)."""
