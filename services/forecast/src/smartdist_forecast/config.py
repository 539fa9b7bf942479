"""forecast settings: environment variables with the ``SMARTDIST_FORECAST_`` prefix."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTDIST_FORECAST_", extra="ignore")

    database_url: str | None = None  # read by the platform; beats SMARTDIST_DATABASE_URL

    # Scheduled retraining (see publishing/schedule.py): a tenant that has a model gets a new one
    # when this many days of sales arrived after its data, or when it is this old.
    retrain_new_sales_days: int = Field(default=7, ge=1)
    retrain_max_age_days: float = Field(default=7.0, gt=0)
    retrain_after_import: bool = True  # check right after an import that stored rows
    retrain_check_interval_s: float = Field(default=3600.0, gt=0)  # the periodic check's period
    retrain_schedule: bool = True  # run the periodic check inside the service (a background task)
    default_horizon_days: int = Field(default=28, ge=1, le=90)  # when no earlier model says

    # LightGBM threads per fit; 0 = automatic (all cores when they are free, 1 under load).
    lgbm_threads: int = Field(default=0, ge=0, le=64)

    # Food waste in the inventory simulation, for SKUs without a product_profile row.
    default_shelf_life_days: int = Field(default=30, ge=1, le=3650)
    default_unit_kg: float = Field(default=0.5, gt=0, le=1000)


@lru_cache
def get_settings() -> Settings:
    return Settings()


def prefer_passive_openmp() -> None:
    """Let OpenMP workers sleep between parallel regions unless ``OMP_WAIT_POLICY`` is set.

    LightGBM's OpenMP workers spin between parallel regions by default. In the service they share
    the machine's two cores with the web server, the bus threads, other jobs and other processes;
    a spinning worker burns the core its partner needs at the next barrier (profiled: 1.5-3x the
    CPU of the same fit with passive waits). libgomp reads this once, when ``import lightgbm``
    loads it, so ``modelling.global_lgbm`` calls this before that import.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
