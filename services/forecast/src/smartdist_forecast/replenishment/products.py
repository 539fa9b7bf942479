"""Per-SKU shelf life and unit weight for the food-waste count of the inventory simulation.

``PUT /api/v1/product-profiles/{sku}`` sets them, ``GET /api/v1/product-profiles`` lists them.
A SKU without a profile uses ``SMARTDIST_FORECAST_DEFAULT_SHELF_LIFE_DAYS`` (30) and
``SMARTDIST_FORECAST_DEFAULT_UNIT_KG`` (0.5 kg).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.auth import Principal, require_roles
from smartdist.db import utcnow
from smartdist.pagination import Cursor, Limit, Page, paginate
from smartdist.web.deps import DbSession
from smartdist_forecast.config import get_settings
from smartdist_forecast.replenishment.simulation import Perishability
from smartdist_forecast.tables import ProductProfile

Planner = Annotated[Principal, require_roles("clerk", "warehouse", "integrator")]
router = APIRouter(tags=["replenishment"])


class ProductProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shelf_life_days: int = Field(ge=1, le=3650, description="days a unit can be sold, counting its arrival day")
    unit_kg: float = Field(gt=0, le=1000, description="weight of one sales unit in kg (waste is counted in kg)")


class ProductProfileOut(ProductProfileIn):
    sku: str
    updated_at: datetime


def profile_out(row: ProductProfile) -> ProductProfileOut:
    return ProductProfileOut(
        sku=row.sku, shelf_life_days=row.shelf_life_days, unit_kg=row.unit_kg, updated_at=row.updated_at
    )


@router.put("/product-profiles/{sku}", response_model=ProductProfileOut)
def put_product_profile(
    body: ProductProfileIn,
    session: DbSession,
    principal: Planner,
    sku: Annotated[str, Path(min_length=1, max_length=60)],
) -> ProductProfileOut:
    """Set a SKU's shelf life and unit weight (replaces the previous values)."""
    row = session.scalar(select(ProductProfile).where(ProductProfile.sku == sku))
    if row is None:
        row = ProductProfile(sku=sku, shelf_life_days=body.shelf_life_days, unit_kg=body.unit_kg)
        session.add(row)
    else:
        row.shelf_life_days, row.unit_kg = body.shelf_life_days, body.unit_kg
    row.updated_at = utcnow()
    session.flush()
    return profile_out(row)


@router.get("/product-profiles", response_model=Page[ProductProfileOut])
def list_product_profiles(
    session: DbSession, principal: Planner, limit: Limit = 50, cursor: Cursor = None
) -> Page[ProductProfileOut]:
    """The SKUs with their own shelf life and unit weight (others use the service defaults)."""
    return paginate(
        session, select(ProductProfile), ProductProfile.id, limit=limit, cursor=cursor, serialize=profile_out
    )


def perishability_for(session: Session, skus: np.ndarray) -> Perishability:
    """Shelf life and unit weight per series (by its SKU), the defaults where no profile is set."""
    settings = get_settings()
    profiles = {r.sku: (r.shelf_life_days, r.unit_kg) for r in session.scalars(select(ProductProfile))}
    default = (settings.default_shelf_life_days, settings.default_unit_kg)
    chosen = [profiles.get(str(sku), default) for sku in skus]
    return Perishability(np.array([c[0] for c in chosen], dtype=np.int64), np.array([c[1] for c in chosen]))
