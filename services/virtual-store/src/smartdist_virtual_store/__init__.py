"""smartdist virtual-store service: a 360° walk through the real store with product hotspots,
and digital coupons redeemed at the counter."""
