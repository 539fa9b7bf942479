"""The declarative base of surplus-market's own tables (platform tables live in smartdist)."""

from smartdist.db import make_base

Base = make_base("SurplusMarketBase")
