"""Stored route plans: the day's created orders planned onto a depot's vehicles, then published."""
