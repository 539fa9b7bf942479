"""smartdist wms service: paperless inbound, putaway, stock, counts, picking, packing, shipping and returns."""
