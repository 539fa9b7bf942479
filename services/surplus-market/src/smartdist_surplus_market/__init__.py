"""smartdist surplus-market: near-expiry and overstock goods sold in small units or as case lots."""
