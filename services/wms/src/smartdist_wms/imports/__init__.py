"""Imports: master data, inbound notices and shipping orders from CSV or Excel, all rows or none."""
