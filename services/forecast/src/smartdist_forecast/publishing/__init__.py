"""Training runs, the model registry and the published forecasts (SPEC §4.B contracts)."""
