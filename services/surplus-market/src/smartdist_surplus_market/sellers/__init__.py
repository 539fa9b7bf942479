"""sellers."""
