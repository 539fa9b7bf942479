"""favourites."""
