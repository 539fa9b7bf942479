"""Printable documents: location and product labels, pick lists and packing lists (print CSS)."""
