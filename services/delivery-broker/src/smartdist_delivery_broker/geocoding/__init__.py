"""Addresses without coordinates: located through smartdist.geocoding behind the tenant's cache."""
