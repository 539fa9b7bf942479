"""What a scan names: a location, or a product (by SKU, barcode, carton or GS1 label with lot and date)."""
