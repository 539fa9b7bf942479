"""Demand models: the global LightGBM model, statsmodels baselines, back-tests and intervals."""
