"""What the WMS's business documents (inbound, outbound and return orders) share."""
