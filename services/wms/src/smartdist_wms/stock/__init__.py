"""Stock by location and lot, its movement ledger, adjustments and moves."""
