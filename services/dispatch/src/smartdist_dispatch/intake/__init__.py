"""Bookings handed over by the delivery broker (the merchant's own fleet as a fourth option), over the bus."""
