"""Delivery orders: stored, listed and imported from CSV/Excel, each one a KPI record and an event."""
