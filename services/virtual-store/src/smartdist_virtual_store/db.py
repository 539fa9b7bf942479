"""The declarative base of virtual-store's own tables (platform tables live in smartdist)."""

from smartdist.db import make_base

Base = make_base("VirtualStoreBase")
