"""Home deliveries of outbound orders: a courier booked through the delivery broker at ship (SPEC §5 flow 3)."""
