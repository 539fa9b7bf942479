"""Delivery platforms behind one port: pandago, Uber Direct, Lalamove, and their sandboxes."""
