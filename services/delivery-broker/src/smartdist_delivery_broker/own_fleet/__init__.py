"""The merchant's own fleet as a fourth delivery option: booked here, driven by the dispatch service."""
