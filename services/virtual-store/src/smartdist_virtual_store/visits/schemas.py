"""What the public viewer reports: a visit, a scene viewed, a hotspot clicked."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

VisitorId = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9_-]{8,64}$", description="The viewer's random visitor id (cookie).")
]
Id = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    visitor_id: VisitorId
    scene_id: Id | None = Field(None, description="The scene the visitor entered in.")


class SceneViewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    visitor_id: VisitorId
    scene_id: Id


class ClickIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    visitor_id: VisitorId
    hotspot_id: Id


class Tracked(BaseModel):
    counted: bool = Field(description="True when this was the visitor's first visit of the store today.")
