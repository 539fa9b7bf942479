"""Delivery orders: one normalised lifecycle across platforms."""
