"""Identity: tenants, staff accounts, API keys and consumers; the console serves it."""
