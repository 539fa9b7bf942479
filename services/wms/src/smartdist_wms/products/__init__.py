"""Products: SKUs with barcodes, units, pack sizes and lot / expiry tracking."""
