"""Quotes: every platform asked in parallel under a deadline, priced by the programme schedule."""
