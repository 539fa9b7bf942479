"""The warehouse's own settings: how many steps receiving takes (1, 2 or 3)."""
