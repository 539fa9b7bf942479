"""virtual-store settings: environment variables with the ``SMARTDIST_VIRTUAL_STORE_`` prefix."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTDIST_VIRTUAL_STORE_", extra="ignore")

    database_url: str | None = None  # read by the platform; beats SMARTDIST_DATABASE_URL

    # Panorama upload policy (SPEC §4.F): the contract asks for at least 8192x4096; 50 MP admits
    # 10000x5000 and stays below Pillow's own bomb limit, so Pillow never warns on what we pass.
    max_upload_bytes: int = Field(80 * 1024 * 1024, ge=1024)
    max_pixels: int = Field(50_000_000, ge=1024 * 512)
    min_width: int = Field(1024, ge=16)
    min_height: int = Field(512, ge=8)
    aspect_tolerance: float = Field(0.01, gt=0, lt=0.5)  # |w/h - 2| <= 2 x tolerance
    tile_size: int = Field(512, ge=128, le=2048)
    tile_quality: int = Field(85, ge=30, le=100)
    tile_workers: int = Field(2, ge=1, le=8, description="Threads that cut and encode cube faces per panorama.")

    # Where processed panoramas live: local files under the data dir, or an S3-compatible bucket.
    storage: Literal["local", "s3"] = "local"
    storage_dir: Path | None = None  # default: $SMARTDIST_DATA_DIR/virtual-store-media
    s3_bucket: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_prefix: str = ""

    # The demo's real panoramas (../shared/data/panoramas beside the repository).
    demo_panorama_dir: Path | None = None
    demo_panorama_width: int = Field(2048, ge=1024, le=8192)


@lru_cache
def get_settings() -> Settings:
    return Settings()
