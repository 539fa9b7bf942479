"""Settings from environment variables with the ``SMARTDIST_`` prefix.

One platform-wide set (data dir, database, Redis, auth keys, carbon factors) and a per-service
override layer: ``SMARTDIST_DISPATCH_DATABASE_URL`` beats ``SMARTDIST_DATABASE_URL`` for dispatch.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CarbonFactors(BaseSettings):
    """The programme's published emission factors (SPEC §3); configuration, not code."""

    model_config = SettingsConfigDict(env_prefix="SMARTDIST_CARBON_", extra="ignore")

    petrol_kg_per_l: float = 2.263
    van_km_per_l: float = 7.0
    electricity_kg_per_kwh: float = 0.509
    food_waste_kg_per_kg: float = 2.06
    paper_kg_per_sheet: float = 0.0076

    def van_kg_per_km(self) -> float:
        return self.petrol_kg_per_l / self.van_km_per_l


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTDIST_", extra="ignore")

    env: Literal["local", "test", "production"] = "local"
    data_dir: Path = Field(Path("var"), description="Where embedded state lives (SQLite, keys, bus).")
    database_url: str | None = Field(None, description="PostgreSQL URL; each service then uses its own schema in it.")
    redis_url: str | None = Field(None, description="Redis URL; switches the bus and jobs to Redis.")
    bus_backend: Literal["embedded", "redis"] | None = None
    bus_namespace: str = Field(
        "", description="Prefix of every Redis key (bus streams, Celery queues), so deployments can share a Redis."
    )
    jobs_backend: Literal["inprocess", "celery"] | None = None
    auth_private_key: str | None = Field(None, description="Ed25519 private key (PEM) that signs tokens.")
    auth_public_key: str | None = Field(None, description="Ed25519 public key (PEM) that verifies tokens.")
    access_token_ttl_s: int = 3600
    log_level: str = "INFO"
    log_json: bool = True
    run_background: bool = Field(True, description="Start outbox relay and consumers with the app.")
    default_timezone: str = "Asia/Taipei"
    jobs_max_attempts: int = Field(
        3, ge=1, le=100, description="Times a job may be started; one whose process died that often is failed."
    )
    jobs_lease_s: float = Field(
        60.0, ge=0.5, le=3600, description="A running job's lease, renewed every third of it; a lapsed one is rerun."
    )
    jobs_max_runtime_s: float = Field(
        21600.0, gt=0, description="A job running longer than this is failed, so it cannot block its kind for ever."
    )
    revocation_refresh_s: float = Field(
        5.0,
        gt=0,
        le=300,
        description="How often a process rereads its revoked-token table (what its replicas' consumers recorded).",
    )
    sqlite_busy_timeout_s: float = Field(
        10.0, gt=0, le=300, description="How long a SQLite writer waits for the write lock before answering 503."
    )
    console_url: str | None = Field(
        None,
        description="Public base URL of the console when services run on their own hosts: signed-out "
        "service pages send the browser to its sign-in, which hands the token back.",
    )
    service_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Public base URL of each service when the services run apart, as JSON: "
        '{"dispatch": "https://dispatch.example"}. The console links them and returns to them after '
        "sign-in (no other site: the allow-list of redirects).",
    )

    def resolved_data_dir(self) -> Path:
        path = self.data_dir.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    def effective_bus_backend(self) -> str:
        return self.bus_backend or ("redis" if self.redis_url else "embedded")

    def effective_jobs_backend(self) -> str:
        return self.jobs_backend or ("celery" if self.redis_url else "inprocess")

    def key_prefix(self) -> str:
        return key_prefix(self.bus_namespace)


def key_prefix(namespace: str) -> str:
    """The namespace as a key prefix with its separator: ``shop-a`` -> ``shop-a:`` (``shop-ab``
    can never read ``shop-a``'s keys); the empty namespace stays empty."""
    namespace = namespace.strip()
    if not namespace or namespace.endswith(":"):
        return namespace
    return namespace + ":"


class ServiceSettings(BaseSettings):
    """Per-service overrides, read with the ``SMARTDIST_<SERVICE>_`` prefix."""

    database_url: str | None = None

    @classmethod
    def for_service(cls, service: str) -> ServiceSettings:
        prefix = "SMARTDIST_" + service.upper().replace("-", "_") + "_"
        klass = type(
            f"{cls.__name__}_{service}",
            (cls,),
            {"model_config": SettingsConfigDict(env_prefix=prefix, extra="ignore")},
        )
        return klass()  # type: ignore[no-any-return]


def service_database_url(platform: PlatformSettings, service: str) -> str:
    """The service's own database: its override, else a schema in the shared PostgreSQL, else SQLite."""
    own = ServiceSettings.for_service(service).database_url
    if own:
        return own
    if platform.database_url:
        return platform.database_url
    return f"sqlite:///{platform.resolved_data_dir() / (service + '.db')}"


def schema_name(service: str) -> str:
    return service.replace("-", "_")


@lru_cache
def get_platform_settings() -> PlatformSettings:
    return PlatformSettings()


@lru_cache
def get_carbon_factors() -> CarbonFactors:
    return CarbonFactors()
