"""smartdist surplus-market service: Near-expiry and overstock goods sold in small units for pickup or as case lots for delivery."""
