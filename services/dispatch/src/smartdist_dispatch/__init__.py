"""smartdist dispatch service: Route planning with OR-Tools for a merchant's own fleet, rush-order insertion, and the driver's mobile app."""
