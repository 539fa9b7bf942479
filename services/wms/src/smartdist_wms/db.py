"""The declarative base of wms's own tables (platform tables live in smartdist)."""

from smartdist.db import make_base

Base = make_base("WmsBase")
