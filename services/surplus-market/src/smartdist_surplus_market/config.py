"""surplus-market settings: environment variables with the ``SMARTDIST_SURPLUS_MARKET_`` prefix."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTDIST_SURPLUS_MARKET_", extra="ignore")

    database_url: str | None = None  # read by the platform; beats SMARTDIST_DATABASE_URL


@lru_cache
def get_settings() -> Settings:
    return Settings()
