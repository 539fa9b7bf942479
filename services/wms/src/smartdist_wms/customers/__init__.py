"""Customers: who outbound orders go to (code, name, phone, address)."""
