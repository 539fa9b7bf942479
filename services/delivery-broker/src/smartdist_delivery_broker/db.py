"""The declarative base of delivery-broker's own tables (platform tables live in smartdist)."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from smartdist.db import NAMING_CONVENTION


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
