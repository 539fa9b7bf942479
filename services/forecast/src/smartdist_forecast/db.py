"""The declarative base of forecast's own tables (platform tables live in smartdist)."""

from smartdist.db import make_base

Base = make_base("ForecastBase")
