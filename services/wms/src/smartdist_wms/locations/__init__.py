"""Locations (bins) of the warehouse: zone, kind, status, capacity and walking order."""
