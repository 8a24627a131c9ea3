"""Content loaded from the reviewed files under `content/` (guides, places, points)."""
