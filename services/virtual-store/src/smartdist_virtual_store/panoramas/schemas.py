"""Panorama answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PanoramaAccepted(BaseModel):
    job_id: str = Field(description="The processing job: GET /api/v1/jobs/{job_id} shows its progress.")
    panorama_id: str = Field(description="GET /api/v1/panoramas/{panorama_id} shows its status.")


class PanoramaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    status: Literal["processing", "ready", "failed"] = Field(description="ready once the viewer's files exist")
    width: int = Field(description="Pixels across, after EXIF orientation.")
    height: int
    scene_name: str
    kind: Literal["jpeg", "png"] = Field(description="The upload's format, judged from its bytes.")
    job_id: str
    error: str | None = None
    created_at: datetime
    ready_at: datetime | None = None
    preview_url: str | None = Field(None, description="Equirectangular preview (2048 px wide at most).")
    thumbnail_url: str | None = None
    multires: dict[str, object] | None = Field(None, description="Pannellum's multiRes config for the cube tiles.")
