"""Booking visits to digital-support points: materialised sessions and slots, seats that are
never overbooked, the waitlist, home-visit requests, calendar files, and the visitor's right
to see and delete their data. Handlers: handlers/booking.py, mybookings.py, privacy.py."""
