"""smartdist common library shared by the six services (no service's nouns live here)."""
