"""Cycle counts: a count task per location, blind count, variance approved by the owner."""
