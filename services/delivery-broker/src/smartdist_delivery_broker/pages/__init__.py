"""Merchant pages (booking with quote comparison, live order board) and the consumer tracking page."""
