"""smartdist forecast service: Per-store, per-product demand forecasts from POS sales
with prediction intervals, and order-up-to replenishment."""
