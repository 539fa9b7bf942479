"""Stateless `POST /api/v1/optimize` for integrators (SPEC §4.A contract)."""
