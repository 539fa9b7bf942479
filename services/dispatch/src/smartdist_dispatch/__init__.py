"""Dispatch: route planning with OR-Tools and PyVRP for a merchant's own fleet, rush-order insertion,
and the driver's mobile app."""
