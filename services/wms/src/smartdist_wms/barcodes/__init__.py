"""Barcodes the clerks scan: GS1-128 / GS1 DataMatrix element strings (GTIN, lot, dates)."""
