"""Markdown schedule templates per category: the steps a new listing of that category gets."""
