"""The merchant's depots, vehicles and drivers: stored, listed and imported from spreadsheets."""
