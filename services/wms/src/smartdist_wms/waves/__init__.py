"""Pick waves: several outbound orders released together and picked by order, in a batch or by zone."""
