"""Settings of the broker intake (`SMARTDIST_DISPATCH_INTAKE_…`)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IntakeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTDIST_DISPATCH_INTAKE_", extra="ignore")

    window_hours: float = Field(
        4.0, gt=0, le=72, description="Delivery window of an own-fleet booking: scheduled pickup (or now) + N hours."
    )
    service_s: int = Field(300, ge=0, le=86_400, description="Service time at the customer's door, seconds.")


@lru_cache
def get_intake_settings() -> IntakeSettings:
    return IntakeSettings()
