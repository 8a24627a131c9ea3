"""Hanoi's communes/wards and the digital-support points they run (content/places,
content/points)."""
