"""Outbound orders: allocate (FEFO/FIFO), pick by scan, pack, ship."""
