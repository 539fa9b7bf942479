"""The web platform every service shares: app factory, health, metrics, logging, pages."""
