"""Route planning domain: model, engines (PyVRP, OR-Tools), plan mode, rush insertion."""
