"""Officers' schedule changes and daily work at their support points.

- service.py: list, add, cancel, change capacity, close a point for some days; moving.py:
  move a session to another time or place. Every function takes a `ServiceContext`, checks
  its actor (`require_unit`) and is audited in the caller's transaction;
- placing.py: sessions and slots as database rows (overrides of the points files that the
  daily materialise leaves alone);
- notices.py: the outbox messages that tell every affected booker and waiting person;
- files.py: a whole schedule file (points TOML or CSV), previewed and then applied;
- daily.py and home_visits.py: the day's visitor lists, attendance, CSV export, and the
  home-visit queue;
- answers.py: the booker's answers to a notice ("still fine", book a time offered instead).
Handlers: handlers/officer_schedule.py (officers), handlers/mybookings.py (bookers).
"""
