"""smartdist wms service: Paperless inbound, putaway, stock, cycle counts, picking, packing, shipping and returns on PDAs."""
