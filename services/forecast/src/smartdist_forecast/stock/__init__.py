"""On-hand stock per store and product, kept from the WMS's stock events."""
