"""Turning forecasts into orders: order-up-to with safety stock, and the policy simulation."""
